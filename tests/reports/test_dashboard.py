import re

import pytest

from assessments.models import Round
from assessments.services import round_result_compute
from assessments.survey import survey_layout
from organizations.models import Team
from tests.assessments.builders import answered_round, answered_round_in_bulk, closed_and_computed


def dashboard_url(round: Round) -> str:
    return f"/o/acme/rounds/{round.public_id}/"


@pytest.fixture
def six(acme, acme_round) -> Round:
    """Two teams of three at a threshold of 3: both shown."""
    acme_round.score_threshold = 3
    acme_round.comment_threshold = 3
    acme_round.save()
    search = Team.objects.create(organization=acme, name="Search")
    platform = Team.objects.create(organization=acme, name="Platform")
    answers = [
        {"monitoring-drift": v, "fit-production": 1, "context-role": 0, "context-obstacle": t}
        for v, t in zip((0, 1, 2, 4, 4, 4), "FEDCBA", strict=True)
    ]
    answered_round(acme_round, answers, teams=[search] * 3 + [platform] * 3)
    closed_and_computed(acme_round)
    return acme_round


@pytest.mark.django_db
def test_the_dashboard_shows_the_stored_numbers(client, lena, six):
    client.force_login(lena)

    html = client.get(dashboard_url(six)).content.decode()

    assert "6 of 6 invited have submitted (100%)" in html
    # one yes of seven checklist questions and no no: nobody answered the other six
    assert "Borderline: MLOps may fit" in html
    # monitoring: 0,1,2,4,4,4 -> 15/6 = 2.5 level, 62.5 of 100; teams 1.0 and 4.0
    assert re.search(r"Monitoring</th><td class=\"num\">2\.5</td><td class=\"num\">62\.5", html)
    search_row = re.search(r'<tr><th scope="row">Search.*?</tr>', html, re.S).group(0)
    platform_row = re.search(r'<tr><th scope="row">Platform.*?</tr>', html, re.S).group(0)
    assert "(3)" in search_row and '<td class="num heat-1">1.0</td>' in search_row
    assert "(3)" in platform_row and '<td class="num heat-4">4.0</td>' in platform_row
    assert all(letter in html for letter in "ABCDEF")  # comments, at a threshold of 3


@pytest.mark.django_db
def test_suppressed_cells_never_show_a_number(client, lena, acme, acme_round):
    search = Team.objects.create(organization=acme, name="Search")
    platform = Team.objects.create(organization=acme, name="Platform")
    answered_round(
        acme_round,
        [{"monitoring-drift": v} for v in (0, 1, 2, 3, 4, 4)],
        teams=[search] * 5 + [platform],
    )
    closed_and_computed(acme_round)
    client.force_login(lena)

    html = client.get(dashboard_url(acme_round)).content.decode()

    for team in ("Search", "Platform"):
        row = re.search(rf"<tr><th scope=\"row\">{team}.*?</tr>", html, re.S).group(0)
        assert "Not shown, to keep answers anonymous" in row
        assert not re.search(r"\d\.\d", row)


@pytest.mark.django_db
def test_an_open_round_shows_participation_not_scores(client, lena, acme, acme_round):
    """Scores that changed with each submission would give away each newcomer's answers."""
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    answered_round(acme_round, [{"monitoring-drift": 4, "fit-production": 1}] * 6)
    round_result_compute(round=acme_round)
    client.force_login(lena)

    html = client.get(dashboard_url(acme_round)).content.decode()

    assert "Results appear when the round closes" in html
    assert "Monitoring" not in html and "4.0" not in html and "good fit" not in html


@pytest.mark.django_db
def test_a_draft_round_says_when_results_come(client, lena, acme_round):
    client.force_login(lena)

    html = client.get(dashboard_url(acme_round)).content.decode()

    assert "This round has not opened yet. Results appear when it closes." in html
    assert "0 of the 5 answers needed so far." in html


@pytest.mark.django_db
@pytest.mark.parametrize("respondents", [5, 5000])
def test_the_dashboard_costs_the_same_queries_for_5_or_5000_respondents(
    client, lena, acme, acme_round, respondents, django_assert_num_queries
):
    """The dashboard reads the stored result: nothing it shows is counted per respondent."""
    teams = [Team.objects.create(organization=acme, name=f"Team {n}") for n in range(4)]
    answered_round_in_bulk(
        acme_round, respondents, {"monitoring-drift": 2, "context-role": 1}, teams
    )
    closed_and_computed(acme_round)
    survey_layout(acme_round.questionnaire_id)  # cached per process, as after any survey visit
    client.force_login(lena)

    # session, user, membership; round with its counts; its current and visible results; the
    # visible one's data; dimensions; the round's scope; the rounds of the organization with
    # their scores; their scopes (for the trend)
    with django_assert_num_queries(10):
        client.get(dashboard_url(acme_round))
    # the results part of this result version is cached: the data is not even read again
    with django_assert_num_queries(5):
        response = client.get(dashboard_url(acme_round))

    assert f"{respondents} of {respondents} invited" in response.content.decode()


@pytest.mark.django_db
def test_the_trend_lists_every_round_of_the_same_scope(
    client, lena, acme, acme_round, questionnaire
):
    Round.objects.filter(pk=acme_round.pk).update(score_threshold=3)
    acme_round.refresh_from_db()
    answered_round(acme_round, [{"monitoring-drift": 1}] * 3)
    closed_and_computed(acme_round)
    scoped = Round.objects.create(
        organization=acme, questionnaire=questionnaire, title="Team only", score_threshold=3
    )
    scoped.teams.add(Team.objects.create(organization=acme, name="Search"))
    answered_round(scoped, [{"monitoring-drift": 4}] * 3)
    closed_and_computed(scoped)
    later = Round.objects.create(
        organization=acme, questionnaire=questionnaire, title="Autumn", score_threshold=3
    )
    answered_round(later, [{"monitoring-drift": 3}] * 3)
    closed_and_computed(later)
    client.force_login(lena)

    history = client.get(dashboard_url(later)).context["history"]

    assert [(r.title, r.readiness) for r in history] == [("Spring check", 1.0), ("Autumn", 3.0)]


@pytest.mark.django_db
def test_a_closed_round_polls_until_its_results_are_computed(client, lena, acme, acme_round):
    answered_round(acme_round, [{"monitoring-drift": 2}] * 5)
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.CLOSED)
    client.force_login(lena)

    page = client.get(dashboard_url(acme_round)).content.decode()
    unchanged = client.get(dashboard_url(acme_round) + "?shown=0", HTTP_HX_REQUEST="true")
    round_result_compute(round=acme_round)
    changed = client.get(dashboard_url(acme_round) + "?shown=0", HTTP_HX_REQUEST="true")

    assert "The results are being computed." in page and 'hx-trigger="every 5s"' in page
    assert unchanged.status_code == 204 and unchanged.content == b""
    fragment = changed.content.decode()
    assert changed.status_code == 200 and "5 of 5 invited have submitted" in fragment
    assert fragment.lstrip().startswith('<div id="results"') and "<html" not in fragment
    assert "hx-trigger" not in fragment  # shown: nothing more to wait for
