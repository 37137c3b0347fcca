"""The anonymity promise, attacked with the product's own pages and downloads.

Every test here is an attack that worked before the rule (PRODUCT.md, "Anonymity: one rule,
everywhere"): a lead, or a member, trying to work out one person's answers from small rounds,
from consecutive versions, from the difference of two published cells, or from participation.
"""

import itertools
import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.models import Answer, Invitation, Response, Round
from assessments.scoring import hidden_breakdown_cells
from assessments.services import round_result_compute, round_update
from organizations.models import Team
from tests.assessments.builders import answered_round, closed_and_computed
from tests.assessments.test_rounds import round_form

ROLE = {"data science": 0, "ml engineering": 1, "product": 3}
TELLING = {"monitoring-drift": 4, "fit-production": 1, "context-obstacle": "Only I know"}


def url(round: Round, page: str = "") -> str:
    return f"/o/acme/rounds/{round.public_id}/{page}"


def published_keys(data) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {key for value in data.values() for key in published_keys(value)}
    if isinstance(data, list):
        return {key for value in data for key in published_keys(value)}
    return set()


@pytest.mark.django_db
@pytest.mark.parametrize("answered", [0, 1, 2, 4])
def test_a_round_closed_below_the_threshold_shows_nothing_anywhere(
    client, lena, bob, acme, acme_round, answered, django_capture_on_commit_callbacks
):
    """With 1 of 3 submitted, every page and download showed that person's exact answers; a
    round closed with 0 answers got a verdict and a 13-page roadmap."""
    Round.objects.filter(pk=acme_round.pk).update(shared_with_members=True)
    answered_round(acme_round, [TELLING] * answered)
    result = closed_and_computed(acme_round)
    client.force_login(lena)

    dashboard = client.get(url(acme_round)).content.decode()
    exports = [client.get(url(acme_round, name)) for name in ("results.json", "results.csv")]
    with django_capture_on_commit_callbacks(execute=True):
        pdf = client.post(url(acme_round, "report/"), {"page_size": "A4"})
    listed = {r.title: r for r in client.get("/o/acme/").context["rounds"]}["Spring check"]
    client.force_login(bob)
    summary = client.get(url(acme_round, "summary/")).content.decode()

    assert not result.is_visible
    assert result.data == {
        "withheld": True,
        "responses": answered,
        "invited": answered,
        "score_threshold": 5,
    }
    missing = f"closed with {answered} of the 5 answers needed"
    assert missing in dashboard and missing in summary
    for page in (dashboard, summary):
        assert "Only I know" not in page and "good fit" not in page and "4.0" not in page
        assert "Build the foundations" not in page and "Monitoring" not in page
    assert [export.status_code for export in exports] == [409, 409]
    assert missing in exports[0].content.decode()
    assert pdf.status_code == 409 and not acme_round.results.get().reports.exists()
    assert (listed.readiness, listed.floor) == (None, None)


@pytest.mark.django_db
def test_a_new_version_waits_until_it_differs_by_the_threshold(client, lena, acme, acme_round):
    """Result k minus result k-1 was person k's answers, for 7 of 7 respondents."""
    answered_round(acme_round, [{"monitoring-drift": 0}] * 5)
    first = closed_and_computed(acme_round)
    client.force_login(lena)

    # Reopened: one more person answers, and one changes an answer.
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    answered_round(acme_round, [{"monitoring-drift": 4}])
    while_open = round_result_compute(round=acme_round)
    Answer.objects.filter(response__round=acme_round, value=0).filter(
        response=Response.objects.filter(round=acme_round).order_by("pk").first()
    ).update(value=3)
    two_changed = closed_and_computed(acme_round)
    page = client.get(url(acme_round)).content.decode()
    json_export = client.get(url(acme_round, "results.json")).json()

    assert first.is_visible and not while_open.is_visible and not two_changed.is_visible
    assert two_changed.changes_since_visible == 2
    assert json_export == first.data and json_export["responses"] == 5
    assert "2 people's answers changed since these results" in page
    assert "5 of 5 invited have submitted" in page

    # Three more: five people differ from the visible version, which is then replaced.
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    answered_round(acme_round, [{"monitoring-drift": 4}] * 3)
    five_changed = closed_and_computed(acme_round)

    assert five_changed.is_visible and five_changed.changes_since_visible == 5
    assert client.get(url(acme_round, "results.json")).json()["responses"] == 9


@pytest.mark.django_db
def test_a_cell_that_changed_by_one_person_is_hidden_in_the_next_version(
    client, lena, acme, acme_round
):
    """Five new people in one team make a new version; the other team's cell, where one
    person changed an answer, would show that person's change. Hiding it is not enough: the
    whole round minus Beta is Alpha again, so Beta goes too and only the round is shown."""
    alpha = Team.objects.create(organization=acme, name="Alpha")
    beta = Team.objects.create(organization=acme, name="Beta")
    answered_round(acme_round, [{"monitoring-drift": 1}] * 10, teams=[alpha] * 5 + [beta] * 5)
    first = closed_and_computed(acme_round)
    one_in_alpha = Response.objects.filter(round=acme_round, team=alpha).first()
    Answer.objects.filter(response=one_in_alpha).update(value=4)
    answered_round(acme_round, [{"monitoring-drift": 2}] * 5, teams=[beta] * 5)

    second = closed_and_computed(acme_round)

    def shown(result):
        return [c["name"] for c in result.data["breakdowns"]["team"] if not c["suppressed"]]

    assert shown(first) == ["Alpha", "Beta"]
    assert second.is_visible and second.changes_since_visible == 6
    assert shown(second) == []
    assert second.data["responses"] == 15


def isolated_groups(atoms: dict, published: list[set]) -> list[int]:
    """Sizes of the groups of 1 to threshold - 1 respondents that some combination of the
    published cells with coefficients -1, 0 or +1 adds up to (brute force)."""
    found = []
    for coefficients in itertools.product((-1, 0, 1), repeat=len(published)):
        weight = {
            atom: sum(c for c, cell in zip(coefficients, published, strict=True) if atom in cell)
            for atom, n in atoms.items()
            if n
        }
        if all(w in (0, 1) for w in weight.values()):
            found.append(sum(atoms[atom] for atom, w in weight.items() if w == 1))
    return found


def published_cells(atoms: dict, threshold: int) -> list[set]:
    hidden_teams, hidden_roles = hidden_breakdown_cells(atoms, threshold)
    teams = {team for team, _ in atoms} - hidden_teams
    roles = {role for _, role in atoms} - hidden_roles
    return (
        [set(atoms)]
        + [{atom for atom in atoms if atom[0] == team} for team in sorted(teams, key=str)]
        + [{atom for atom in atoms if atom[1] == role} for role in sorted(roles, key=str)]
    )


@pytest.mark.django_db
def test_team_minus_role_no_longer_gives_one_persons_levels(client, lena, acme, acme_round):
    """Team B (6: 5 ML engineers and 1 product person) minus the ML engineering cell (all in
    team B) was the product person's principle levels, exactly."""
    team_a = Team.objects.create(organization=acme, name="A")
    team_b = Team.objects.create(organization=acme, name="B")
    people = (
        [{"monitoring-drift": 1, "context-role": ROLE["data science"]}] * 5
        + [{"monitoring-drift": 2, "context-role": ROLE["ml engineering"]}] * 5
        + [{"monitoring-drift": 4, "context-role": ROLE["product"]}]
    )
    answered_round(acme_round, people, teams=[team_a] * 5 + [team_b] * 6)
    data = closed_and_computed(acme_round).data
    client.force_login(lena)

    cells = {
        (kind, cell["name"]): cell["responses"]
        for kind in ("team", "role")
        for cell in data["breakdowns"][kind]
        if not cell["suppressed"]
    }
    levels = [
        cell["principles"]["monitoring"]["level"]
        for kind in ("team", "role")
        for cell in data["breakdowns"][kind]
        if not cell["suppressed"]
    ]
    html = client.get(url(acme_round)).content.decode()

    assert cells == {("team", "A"): 5, ("team", "B"): 6, ("role", "Data science"): 5}
    assert 2.0 not in levels  # the ML engineering cell, whose difference with B is one person
    ml_row = re.search(r'<tr><th scope="row">ML engineering.*?</tr>', html, re.S).group(0)
    assert "Not shown, to keep answers anonymous" in ml_row and not re.search(r"\d\.\d", ml_row)
    atoms = {("A", 0): 5, ("B", 1): 5, ("B", 3): 1}
    assert [n for n in isolated_groups(atoms, published_cells(atoms, 5)) if 0 < n < 5] == []


@settings(max_examples=150, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=7), min_size=1, max_size=9),
    roles=st.integers(min_value=1, max_value=3),
    threshold=st.integers(min_value=3, max_value=5),
)
def test_no_combination_of_published_cells_isolates_a_small_group(sizes, roles, threshold):
    """Any team x role layout: no sum or difference of published cells (whole round, teams,
    roles) holds between 1 and threshold - 1 respondents."""
    atoms = {(f"t{index // roles}", index % roles): n for index, n in enumerate(sizes)}
    published = published_cells(atoms, threshold)
    if sum(atoms.values()) < threshold:
        published = []  # below the threshold nothing is published, the round included

    groups = isolated_groups(atoms, published)

    assert [n for n in groups if 0 < n < threshold] == []


@settings(max_examples=120, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=6), min_size=2, max_size=6),
    moved=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=8),
    threshold=st.integers(min_value=3, max_value=4),
)
def test_no_published_group_differs_from_an_earlier_version_by_a_few_people(
    sizes, moved, threshold
):
    """Two visible versions with the same cells published: for every group some combination of
    cells makes, the people whose answers changed between the versions number 0 or at least
    the threshold, so the group's difference between the versions is nobody's own."""
    atoms = {(f"t{index // 2}", index % 2): n for index, n in enumerate(sizes)}
    layout = sorted(atoms, key=str)
    changes = [(layout[a % len(layout)], layout[b % len(layout)]) for a, b in moved]
    if sum(atoms.values()) < threshold or len(changes) < threshold:
        return  # such a version is never visible (round_result_compute)
    hidden_teams, hidden_roles = hidden_breakdown_cells(atoms, threshold, changes=[changes])
    teams = {team for team, _ in atoms} - hidden_teams
    roles = {role for _, role in atoms} - hidden_roles
    published = (
        [set(atoms)]
        + [{atom for atom in atoms if atom[0] == team} for team in teams]
        + [{atom for atom in atoms if atom[1] == role} for role in roles]
    )
    present = {atom for atom, n in atoms.items() if n} | {atom for pair in changes for atom in pair}

    for coefficients in itertools.product((-1, 0, 1), repeat=len(published)):
        weight = {
            atom: sum(c for c, cell in zip(coefficients, published, strict=True) if atom in cell)
            for atom in present
        }
        if all(w in (0, 1) for w in weight.values()):
            group = {atom for atom, w in weight.items() if w == 1}
            changed = sum(1 for pair in changes if group & set(pair))
            assert not 0 < changed < threshold, (group, changed)


@pytest.mark.django_db
def test_the_roadmap_at_the_threshold_holds_no_minimum_or_maximum(
    client, lena, acme, acme_round, django_capture_on_commit_callbacks
):
    """ "Where you disagree" with two answers gave both answers: its from/to columns."""
    answered_round(acme_round, [{"monitoring-drift": v} for v in (0, 0, 1, 4, 4)])
    result = closed_and_computed(acme_round)
    client.force_login(lena)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(acme_round, "report/"), {"page_size": "A4"})
    report = acme_round.results.get(pk=result.pk).reports.get()
    pdf = client.get(url(acme_round, f"report/{report.public_id}/roadmap.pdf"))

    import subprocess

    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],
        input=b"".join(pdf.streaming_content),
        check=True,
        capture_output=True,
    ).stdout.decode()
    assert published_keys(result.data).isdisjoint({"min", "max", "median", "range"})
    # the disagreement is listed (0, 0, 1, 4, 4: the middle half spans 0 to 4), with no edges
    assert "Answers from" not in text and "Where you disagree" in text and "Everyone" in text


@pytest.mark.django_db
def test_an_anonymous_round_never_becomes_named_once_answered(
    client, lena, acme_round, questionnaire
):
    """Unticking "anonymous" after people answered made the participation page name them."""
    Round.objects.filter(pk=acme_round.pk).update(anonymous=True, status=Round.Status.OPEN)
    acme_round.refresh_from_db()
    answered_round(acme_round, [{"monitoring-drift": 1}])
    client.force_login(lena)

    form_page = client.get(url(acme_round, "edit/")).content.decode()
    client.post(url(acme_round, "edit/"), round_form(questionnaire, title="Renamed"))

    acme_round.refresh_from_db()
    assert "it stays anonymous" in form_page
    assert acme_round.anonymous and acme_round.title == "Renamed"
    with pytest.raises(ValidationError, match="it stays anonymous"):
        round_update(round=acme_round, fields={"anonymous": False})
    assert Round.objects.get(pk=acme_round.pk).anonymous


@pytest.mark.django_db
def test_a_named_round_may_become_anonymous_after_answers(lena, acme_round):
    answered_round(acme_round, [{"monitoring-drift": 1}])

    round_update(round=acme_round, fields={"anonymous": True})

    assert Round.objects.get(pk=acme_round.pk).anonymous


@pytest.mark.django_db
def test_an_anonymous_round_never_shows_whether_a_small_team_answered(
    client, lena, acme, acme_round
):
    """A one-person team's row said whether that person had answered."""
    solo = Team.objects.create(organization=acme, name="Solo")
    duo = Team.objects.create(organization=acme, name="Duo")
    big = Team.objects.create(organization=acme, name="Big")
    Round.objects.filter(pk=acme_round.pk).update(anonymous=True, status=Round.Status.OPEN)
    answered_round(acme_round, [{"monitoring-drift": 1}], teams=[solo])
    Invitation.objects.bulk_create(Invitation(round=acme_round, team=duo) for _ in range(4))
    Invitation.objects.bulk_create(Invitation(round=acme_round, team=big) for _ in range(6))
    client.force_login(lena)

    response = client.get(url(acme_round, "participation/"))

    rows = {
        row.team: (row.invited, row.submitted) for row in response.context["participation"].teams
    }
    # Solo (1) is hidden; alone in the pool it would be the total minus Big, so Duo (4) joins.
    assert rows == {"Big": (6, 0), "Smaller teams together": (5, 1)}
    assert "Solo" not in response.content.decode()


@pytest.mark.django_db
def test_anonymous_links_are_never_listed_one_by_one(client, lena, acme_round):
    """In hand-out order with their state, the links said who had answered."""
    Invitation.objects.create(round=acme_round, email="ana@acme.example")
    for _ in range(3):
        Invitation.objects.create(round=acme_round)
    client.force_login(lena)

    html = client.get(url(acme_round, "participation/")).content.decode()

    assert "ana@acme.example" in html
    assert "Anonymous link" not in html
    assert "3 anonymous links: counted above, never listed one by one." in html


@pytest.mark.django_db
def test_members_see_no_headline_of_a_round_not_shared_with_them(client, bob, acme_round):
    answered_round(acme_round, [{"monitoring-drift": 4}] * 5)
    closed_and_computed(acme_round)
    client.force_login(bob)

    (listed,) = client.get("/o/acme/").context["rounds"]
    shared = Round.objects.filter(pk=acme_round.pk).update(shared_with_members=True)
    (listed_shared,) = client.get("/o/acme/").context["rounds"]

    assert (listed.readiness, listed.floor) == (None, None)
    assert shared and listed_shared.readiness is not None


@pytest.mark.django_db
def test_a_figure_with_fewer_than_k_answers_behind_it_is_not_shown(client, lena, acme, acme_round):
    """Team A had 5 respondents, 4 of whom said "don't know" to every monitoring question: the
    level printed was the fifth person's answer."""
    keys = ["monitoring-performance", "monitoring-drift", "monitoring-data-quality"]
    keys.append("monitoring-alerting")
    people = [dict.fromkeys(keys, "dk")] * 4 + [dict.fromkeys(keys, 4)]
    people += [dict.fromkeys(keys, 1)] * 5
    team_a = Team.objects.create(organization=acme, name="A")
    team_b = Team.objects.create(organization=acme, name="B")
    answered_round(acme_round, people, teams=[team_a] * 5 + [team_b] * 5)
    data = closed_and_computed(acme_round).data
    client.force_login(lena)

    cells = {cell["name"]: cell for cell in data["breakdowns"]["team"]}
    drift = data["questions"]["monitoring-drift"]

    assert cells["A"]["principles"]["monitoring"]["level"] is None  # 1 answer behind it
    assert cells["A"]["principles"]["monitoring"]["dont_know"] == 16
    assert cells["B"]["principles"]["monitoring"]["level"] == 1.0
    # The whole round: 6 values behind each question, 4 "don't know": shown.
    assert (drift["count"], drift["dont_know"], drift["mean"]) == (6, 4, 1.5)
    assert data["questions"]["context-role"] == {
        "key": "context-role",
        "dimension": "context",
        "kind": "single_choice",
        "distribution": {},
        "dont_know": 0,
        "not_applicable": 0,
        "withheld": True,
    }


@pytest.mark.django_db
def test_members_never_see_participation_counts(client, bob, acme_round):
    """In a round of two, a member learned whether the other had answered."""
    answered_round(acme_round, [{"monitoring-drift": 1}])
    client.force_login(bob)

    page = client.get("/o/acme/").content.decode()

    (listed,) = re.findall(r"<tr>\s*<td>Spring check.*?</tr>", page, re.S)
    cells = re.findall(r'<td class="num">(.*?)</td>', listed)
    assert cells[:2] == ["\N{EN DASH}", "\N{EN DASH}"]  # invited, submitted


@pytest.mark.django_db
def test_a_hidden_team_leaks_nothing_through_team_gaps_roadmaps_or_disagreements(acme, acme_round):
    """The attack: a team hidden by the block rule (Tiny, 2 people, and Big, its complement)
    must not reappear through issue 17's per-team figures: gaps, team roadmaps, or a
    disagreement named after it. Tiny answers very differently, to make any leak visible."""
    big = Team.objects.create(organization=acme, name="Big")
    tiny = Team.objects.create(organization=acme, name="Tiny")
    answered_round(
        acme_round,
        [{"monitoring-drift": 3, "version-control-code": 3}] * 6
        + [{"monitoring-drift": 0, "version-control-code": 0}] * 2,
        teams=[big] * 6 + [tiny] * 2,
    )

    data = closed_and_computed(acme_round).data

    assert all(cell["suppressed"] for cell in data["breakdowns"]["team"])
    assert data["team_gaps"] == [] and data["team_roadmaps"] == []
    assert all(row["team"] is None for row in data["disagreements"])
    # Only the breakdowns name the teams, as hidden rows.
    beyond_breakdowns = str({key: value for key, value in data.items() if key != "breakdowns"})
    assert "Tiny" not in beyond_breakdowns and "Big" not in beyond_breakdowns
