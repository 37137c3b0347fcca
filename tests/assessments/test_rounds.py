from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.models import Answer, Invitation, Response, Round, RoundResult
from assessments.services import round_close, round_open, round_update, rounds_close_due
from tests.assessments.builders import answered_round, closed_and_computed

HTMX = {"HTTP_HX_REQUEST": "true"}


def round_form(questionnaire, **changes) -> dict:
    return {
        "title": "Autumn check",
        "questionnaire": questionnaire.pk,
        "score_threshold": 5,
        "comment_threshold": 10,
        "opens_at": "",
        "closes_at": "",
    } | changes


def answer_once(round: Round) -> None:
    response = Response.objects.create(
        invitation=Invitation.objects.create(round=round), round=round
    )
    Answer.objects.create(
        response=response, question=round.questionnaire.questions.first(), value=1
    )


def rounds_snapshot():
    return list(
        Round.objects.order_by("pk").values_list(
            "title", "status", "score_threshold", "comment_threshold", "questionnaire_id"
        )
    )


@pytest.mark.django_db
def test_a_lead_creates_a_round_for_chosen_teams(client, lena, questionnaire, platform_team):
    client.force_login(lena)

    response = client.post(
        "/o/acme/rounds/new/",
        round_form(questionnaire, teams=[str(platform_team.public_id)], anonymous="on"),
    )

    round = Round.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/o/acme/rounds/{round.public_id}/participation/"
    assert (round.title, round.status, round.anonymous, round.created_by) == (
        "Autumn check",
        "draft",
        True,
        lena,
    )
    assert list(round.teams.all()) == [platform_team]
    assert (round.score_threshold, round.comment_threshold) == (5, 10)


@pytest.mark.django_db
def test_the_new_round_form_defaults_to_the_guides_thresholds(client, lena, questionnaire):
    client.force_login(lena)

    form = client.get("/o/acme/rounds/new/").context["form"]

    assert (form["score_threshold"].value(), form["comment_threshold"].value()) == (5, 10)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "required"),
        ({"title": "t" * 201}, "title", "at most 200"),
        ({"score_threshold": 2}, "score_threshold", "greater than or equal to 3"),
        ({"score_threshold": "five"}, "score_threshold", "whole number"),
        ({"comment_threshold": 4}, "comment_threshold", "at least the score threshold"),
        ({"questionnaire": 999999}, "questionnaire", "valid choice"),
        ({"teams": ["00000000-0000-0000-0000-000000000000"]}, "teams", "valid choice"),
        (
            {"opens_at": "2030-05-02T10:00", "closes_at": "2030-05-01T10:00"},
            "closes_at",
            "close after it opens",
        ),
        ({"closes_at": "2001-01-01T10:00"}, "closes_at", "in the future"),
    ],
    ids=[
        "no-title",
        "long-title",
        "threshold-2",
        "threshold-text",
        "comments-below",
        "unknown-questionnaire",
        "unknown-team",
        "closes-before-opens",
        "closes-in-past",
    ],
)
def test_bad_round_settings_are_refused_next_to_the_field(
    client, lena, questionnaire, changes, field, message
):
    client.force_login(lena)

    response = client.post("/o/acme/rounds/new/", round_form(questionnaire) | changes)

    assert response.status_code == 422
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Round.objects.exists()


@pytest.mark.django_db
def test_a_team_of_another_organization_cannot_scope_a_round(client, lena, questionnaire, globex):
    foreign = globex.teams.create(name="Globex team")
    client.force_login(lena)

    response = client.post(
        "/o/acme/rounds/new/", round_form(questionnaire, teams=[str(foreign.public_id)])
    )

    assert response.status_code == 422 and not Round.objects.exists()


@pytest.mark.django_db
def test_a_draft_round_is_edited(client, lena, acme_round, questionnaire):
    client.force_login(lena)

    response = client.post(
        f"/o/acme/rounds/{acme_round.public_id}/edit/",
        round_form(questionnaire, title="Renamed", score_threshold=6, comment_threshold=12),
    )

    assert response.status_code == 302
    acme_round.refresh_from_db()
    assert (acme_round.title, acme_round.score_threshold, acme_round.comment_threshold) == (
        "Renamed",
        6,
        12,
    )


@pytest.mark.django_db
def test_after_the_first_answer_thresholds_are_fixed_and_the_form_says_why(
    client, lena, acme_round, questionnaire
):
    answer_once(acme_round)
    client.force_login(lena)

    page = client.get(f"/o/acme/rounds/{acme_round.public_id}/edit/")
    client.post(
        f"/o/acme/rounds/{acme_round.public_id}/edit/",
        round_form(questionnaire, title="Renamed", score_threshold=3, comment_threshold=3),
    )

    assert "Fixed: people have started answering this round." in page.content.decode()
    acme_round.refresh_from_db()
    assert (acme_round.title, acme_round.score_threshold, acme_round.comment_threshold) == (
        "Renamed",
        5,
        10,
    )


@pytest.mark.django_db
def test_the_service_refuses_threshold_changes_after_the_first_answer(acme_round):
    answer_once(acme_round)

    with pytest.raises(ValidationError, match="score_threshold can no longer change"):
        round_update(round=acme_round, fields={"score_threshold": 3})
    acme_round.refresh_from_db()
    assert acme_round.score_threshold == 5


@pytest.mark.django_db
def test_a_closed_round_cannot_be_edited(client, lena, acme_round, questionnaire):
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.CLOSED)
    client.force_login(lena)
    before = rounds_snapshot()

    response = client.post(
        f"/o/acme/rounds/{acme_round.public_id}/edit/", round_form(questionnaire, title="Nope")
    )

    assert response.status_code == 409 and "reopen it" in response.content.decode()
    assert rounds_snapshot() == before


@pytest.mark.django_db
def test_open_close_and_reopen_with_htmx(
    client, lena, acme_round, django_capture_on_commit_callbacks
):
    client.force_login(lena)
    base = f"/o/acme/rounds/{acme_round.public_id}"

    with django_capture_on_commit_callbacks(execute=True):
        opened = client.post(f"{base}/open/", **HTMX)
    acme_round.refresh_from_db()
    assert opened.status_code == 200 and "<html" not in opened.content.decode()
    assert acme_round.status == "open" and acme_round.opened_at is not None

    asked = client.post(f"{base}/close/", **HTMX)
    acme_round.refresh_from_db()
    assert asked.status_code == 200 and acme_round.status == "open"  # it only asks
    assert "Close “Spring check” now?" in asked.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        closed = client.post(f"{base}/close/", {"confirm": "yes"}, **HTMX)
    acme_round.refresh_from_db()
    assert closed.status_code == 200
    assert acme_round.status == "closed" and acme_round.closed_at is not None
    assert RoundResult.objects.filter(round=acme_round, is_current=True).count() == 1

    reopened = client.post(f"{base}/reopen/")
    acme_round.refresh_from_db()
    assert reopened.status_code == 302
    assert acme_round.status == "open" and acme_round.closed_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "action"),
    [("draft", "close"), ("draft", "reopen"), ("open", "open"), ("closed", "open")],
)
def test_a_transition_from_the_wrong_state_is_refused(client, lena, acme_round, status, action):
    Round.objects.filter(pk=acme_round.pk).update(status=status)
    client.force_login(lena)

    response = client.post(f"/o/acme/rounds/{acme_round.public_id}/{action}/", **HTMX)

    assert response.status_code == 409
    assert "Only a" in response.content.decode()
    acme_round.refresh_from_db()
    assert acme_round.status == status


@pytest.mark.django_db
def test_rounds_close_at_their_close_date(
    acme, lena, questionnaire, django_capture_on_commit_callbacks
):
    now = timezone.now()
    due = Round.objects.create(
        organization=acme, questionnaire=questionnaire, title="Due", closes_at=now
    )
    later = Round.objects.create(
        organization=acme,
        questionnaire=questionnaire,
        title="Later",
        closes_at=now + timedelta(days=1),
    )
    for round in (due, later):
        round_open(round=round, by=lena)

    with django_capture_on_commit_callbacks(execute=True):
        closed = rounds_close_due(now=now + timedelta(seconds=1))

    due.refresh_from_db()
    later.refresh_from_db()
    assert closed == 1
    assert (due.status, due.closed_at, later.status) == ("closed", now, "open")
    assert due.results.filter(is_current=True).exists()


@pytest.mark.django_db
def test_reopening_a_round_past_its_close_date_clears_the_date(client, lena, acme_round):
    acme_round.closes_at = timezone.now() - timedelta(hours=1)
    acme_round.save()
    round_open(round=acme_round, by=lena)
    round_close(round=acme_round)
    client.force_login(lena)

    client.post(f"/o/acme/rounds/{acme_round.public_id}/reopen/")

    acme_round.refresh_from_db()
    assert acme_round.status == "open" and acme_round.closes_at is None
    assert rounds_close_due() == 0


@pytest.mark.django_db
def test_closing_asks_first_and_says_how_many_have_not_submitted(client, lena, acme_round):
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    answered_round(acme_round, [{"monitoring-drift": 1}] * 2)
    Invitation.objects.bulk_create(Invitation(round=acme_round) for _ in range(3))
    client.force_login(lena)

    asked = client.post(f"/o/acme/rounds/{acme_round.public_id}/close/")

    html = asked.content.decode()
    acme_round.refresh_from_db()
    assert asked.status_code == 200 and acme_round.status == "open"
    assert "2 of 5 invited have submitted; 3 have not, and could not any more." in html
    assert 'name="confirm" value="yes"' in html and "Keep it open" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("emails", "message"),
    [
        (0, "The round is open, but nobody was emailed: invite people or make anonymous links"),
        (1, "The round is open: 1 invitation is on its way."),
        (3, "The round is open: 3 invitations are on their way."),
    ],
)
def test_opening_says_how_many_were_invited(
    client, lena, acme_round, emails, message, django_capture_on_commit_callbacks
):
    Invitation.objects.bulk_create(
        Invitation(round=acme_round, email=f"p{n}@acme.example") for n in range(emails)
    )
    client.force_login(lena)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/o/acme/rounds/{acme_round.public_id}/open/", follow=True)

    assert message in page.content.decode()


@pytest.mark.django_db
def test_recompute_is_offered_only_where_a_result_is_out_of_date(client, lena, acme_round):
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    answered_round(acme_round, [{"monitoring-drift": 1}] * 5)  # no result computed yet
    client.force_login(lena)
    url = f"/o/acme/rounds/{acme_round.public_id}/participation/"

    stale = client.get(url).content.decode()
    closed_and_computed(acme_round)
    fresh = client.get(url).content.decode()

    assert "Recompute results" in stale and "Recompute results" not in fresh


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_closed_round_s_settings_are_read_only_not_a_500(client, lena, acme_round, method):
    """Opening the settings of a closed round was a 500 (an error added to an unvalidated
    form); a post must change nothing."""
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.CLOSED)
    client.force_login(lena)
    url = f"/o/acme/rounds/{acme_round.public_id}/edit/"

    response = getattr(client, method)(url, {"title": "Renamed"} if method == "post" else None)

    assert response.status_code == (409 if method == "post" else 200)
    assert "This round is closed: reopen it to change it." in response.content.decode()
    acme_round.refresh_from_db()
    assert acme_round.title == "Spring check"
