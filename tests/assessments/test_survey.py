import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from assessments.models import Answer, Invitation, Response, Round
from assessments.questionnaire_loader import DEFAULT_QUESTIONNAIRE, questionnaire_load
from config.celery import app
from tests.conftest import forget_broker_connections

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def open_round(acme_round) -> Round:
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    acme_round.refresh_from_db()
    return acme_round


@pytest.fixture
def invitation(open_round) -> Invitation:
    return Invitation.objects.create(round=open_round, email="ana@acme.example")


def save(client, invitation, key, *values, **extra):
    return client.post(
        f"/r/{invitation.token}/answers/{key}/", {key: list(values)}, **HTMX, **extra
    )


def stored(invitation) -> dict[str, tuple]:
    return {
        answer.question.key: (answer.value, answer.dont_know, answer.text)
        for answer in Answer.objects.filter(response__invitation=invitation).select_related(
            "question"
        )
    }


def answer_everything_required(invitation, *, skip=()) -> None:
    client = Client()
    for question in invitation.round.questionnaire.questions.filter(required=True):
        if question.key in skip:
            continue
        value = "0" if question.kind != "free_text" else "text"
        assert save(client, invitation, question.key, value).status_code == 200


@pytest.mark.django_db
def test_the_invitation_opens_the_survey_saying_who_sees_what(client, invitation):
    html = client.get(f"/r/{invitation.token}/").content.decode()

    assert "Spring check" in html and "Acme" in html
    assert "About 16 minutes" in html  # 2,658 words and 41 questions: see test_estimate.py
    assert "only once the survey closes" in html
    assert "for fewer than 5 people, the whole survey included" in html
    assert "comments only for at least 10" in html
    assert html.count('id="q-') == 41
    assert 'answered-count">0</span> of 41 questions answered' in html


@pytest.mark.django_db
def test_each_answer_is_saved_the_moment_it_changes(client, invitation):
    response = save(client, invitation, "monitoring-drift", "3")

    assert response.status_code == 200
    assert response.content.decode() == '<span class="saved">Saved</span>'
    assert stored(invitation) == {"monitoring-drift": (3, False, "")}


@pytest.mark.django_db
def test_every_kind_of_answer_is_stored_as_it_means(client, invitation):
    save(client, invitation, "fit-production", "1")
    save(client, invitation, "monitoring-drift", "dont-know")
    save(client, invitation, "goals-kpis", "", "0", "4")
    save(client, invitation, "context-role", "2")
    save(client, invitation, "context-obstacle", "  Nobody owns the models.  ")

    assert stored(invitation) == {
        "fit-production": (1, False, ""),
        "monitoring-drift": (None, True, ""),
        "goals-kpis": (0b10001, False, ""),
        "context-role": (2, False, ""),
        "context-obstacle": (None, False, "Nobody owns the models."),
    }


@pytest.mark.django_db
def test_the_last_write_wins_and_there_is_one_row(client, invitation):
    save(client, invitation, "monitoring-drift", "1")
    save(Client(), invitation, "monitoring-drift", "4")  # a second tab, with its own cookies
    Client().post(
        f"/r/{invitation.token}/answers/monitoring-drift/", {"monitoring-drift": "2"}, **HTMX
    )

    assert stored(invitation) == {"monitoring-drift": (2, False, "")}
    assert Response.objects.filter(invitation=invitation).count() == 1


@pytest.mark.django_db
def test_clearing_the_free_text_or_every_checkbox_removes_the_answer(client, invitation):
    save(client, invitation, "context-obstacle", "Slow reviews")
    save(client, invitation, "goals-kpis", "", "1")

    cleared_text = save(client, invitation, "context-obstacle", "")
    cleared_goals = save(client, invitation, "goals-kpis", "")

    assert cleared_text.content.decode() == '<span class="saved">Cleared</span>'
    assert cleared_goals.status_code == 200
    assert stored(invitation) == {}


@pytest.mark.django_db
def test_two_invitations_in_one_browser_never_mix(client, open_round, invitation):
    other = Invitation.objects.create(round=open_round, email="bo@acme.example")

    save(client, invitation, "monitoring-drift", "1")
    save(client, other, "monitoring-drift", "4")

    assert stored(invitation) == {"monitoring-drift": (1, False, "")}
    assert stored(other) == {"monitoring-drift": (4, False, "")}
    assert client.get(f"/r/{invitation.token}/").content.decode().count(" checked>") == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "values", "status", "message"),
    [
        ("monitoring-drift", ["5"], 422, "not one of this question"),
        ("monitoring-drift", ["-1"], 422, "not one of this question"),
        ("monitoring-drift", ["three"], 422, "not one of this question"),
        ("monitoring-drift", ["1", "2"], 422, "Choose one answer"),
        ("fit-production", ["dont-know"], 422, "no “don’t know” option"),  # noqa: RUF001
        ("challenge-data-drift", ["4"], 422, "not one of this question"),
        ("goals-kpis", ["0", "99"], 422, "not one of this question"),
        ("context-obstacle", ["x" * 1_000_000], 422, "under 5,000 characters"),
        ("no-such-question", ["1"], 404, "no such question"),
    ],
    ids=[
        "above-scale",
        "negative",
        "not-a-number",
        "two-values",
        "dont-know-not-offered",
        "challenge-out-of-range",
        "unknown-option",
        "1MB-text",
        "unknown-question",
    ],
)
def test_bad_answers_are_refused_with_a_message_and_change_nothing(
    client, invitation, key, values, status, message
):
    save(client, invitation, "monitoring-drift", "2")

    response = save(client, invitation, key, *values)

    assert response.status_code == status
    assert message in response.content.decode()
    assert stored(invitation) == {"monitoring-drift": (2, False, "")}


@pytest.mark.django_db
def test_a_question_of_another_questionnaire_is_refused(client, invitation, tmp_path):
    edited = tmp_path / "v2.toml"
    edited.write_text(
        DEFAULT_QUESTIONNAIRE.read_text().replace('key = "fit-resources"', 'key = "fit-budget"')
    )
    questionnaire_load(path=edited)

    response = save(client, invitation, "fit-budget", "1")

    assert response.status_code == 404
    assert stored(invitation) == {}
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_missing_csrf_token_is_refused_clearly(invitation):
    client = Client(enforce_csrf_checks=True)

    response = save(client, invitation, "monitoring-drift", "2")

    assert response.status_code == 403
    assert "reload the page" in response.content.decode().lower()
    assert stored(invitation) == {}


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["forged-token-forged-token", "A" * 43, "a" * 65])
def test_forged_and_unknown_tokens_get_a_friendly_404(client, invitation, token):
    page = client.get(f"/r/{token}/")
    answer = save(client, type("Forged", (), {"token": token})(), "monitoring-drift", "1")

    assert page.status_code == 404 and "Ask them for a new link" in page.content.decode()
    assert answer.status_code == 404
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_a_revoked_invitation_can_no_longer_save(client, invitation):
    save(client, invitation, "monitoring-drift", "2")
    Invitation.objects.filter(pk=invitation.pk).update(status="revoked")

    response = save(client, invitation, "monitoring-drift", "4")

    assert response.status_code == 404
    assert stored(invitation) == {"monitoring-drift": (2, False, "")}


@pytest.mark.django_db
@pytest.mark.parametrize("closing", ["closed", "past-close-date"])
def test_a_round_closing_mid_answer_keeps_what_was_saved(client, invitation, closing):
    save(client, invitation, "monitoring-drift", "2")
    if closing == "closed":
        Round.objects.filter(pk=invitation.round_id).update(status=Round.Status.CLOSED)
    else:
        Round.objects.filter(pk=invitation.round_id).update(
            closes_at=timezone.now() - timedelta(minutes=1)
        )

    response = save(client, invitation, "monitoring-drift", "4")
    page = client.get(f"/r/{invitation.token}/")

    assert response.status_code == 409
    assert "closed" in response.content.decode()
    assert "answers you saved" in page.content.decode()
    assert stored(invitation) == {"monitoring-drift": (2, False, "")}


@pytest.mark.django_db
def test_a_draft_round_is_not_open_yet(client, acme_round):
    invitation = Invitation.objects.create(round=acme_round)

    page = client.get(f"/r/{invitation.token}/")
    response = save(client, invitation, "monitoring-drift", "1")

    assert "has not opened yet" in page.content.decode()
    assert response.status_code == 409 and not Response.objects.exists()


@pytest.mark.django_db
def test_submit_points_to_what_is_missing_and_submits_nothing(client, invitation):
    answer_everything_required(invitation, skip={"monitoring-drift", "goals-kpis"})

    response = client.post(f"/r/{invitation.token}/", {"action": "submit"})

    html = response.content.decode()
    assert response.status_code == 422
    assert 'href="#q-monitoring-drift"' in html and 'href="#q-goals-kpis"' in html
    assert html.count('<li><a href="#q-') == 2
    assert Response.objects.get(invitation=invitation).submitted_at is None


@pytest.mark.django_db
def test_a_double_submit_makes_one_submission(
    client, invitation, django_capture_on_commit_callbacks
):
    answer_everything_required(invitation)

    with django_capture_on_commit_callbacks() as callbacks:
        first = client.post(f"/r/{invitation.token}/", {"action": "submit"})
    submitted_at = Response.objects.get(invitation=invitation).submitted_at
    with django_capture_on_commit_callbacks() as again:
        second = client.post(f"/r/{invitation.token}/", {"action": "submit"})

    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"/r/{invitation.token}/thanks/"
    assert Response.objects.get(invitation=invitation).submitted_at == submitted_at
    assert (len(callbacks), len(again)) == (1, 0)


@pytest.mark.django_db
def test_after_submitting_answers_can_still_change_until_the_round_closes(client, invitation):
    answer_everything_required(invitation)
    client.post(f"/r/{invitation.token}/", {"action": "submit"})

    thanks = client.get(f"/r/{invitation.token}/thanks/")
    changed = save(client, invitation, "monitoring-drift", "4")

    assert "Go back to your answers" in thanks.content.decode()
    assert changed.status_code == 200
    assert stored(invitation)["monitoring-drift"] == (4, False, "")


@pytest.mark.django_db
def test_without_javascript_the_page_saves_all_answers_at_once(client, invitation):
    response = client.post(
        f"/r/{invitation.token}/",
        {
            "action": "save",
            "fit-production": "1",
            "monitoring-drift": "dont-know",
            "goals-kpis": ["", "2"],
            "context-obstacle": "",
        },
    )

    assert response.status_code == 302 and response["Location"] == f"/r/{invitation.token}/"
    assert stored(invitation) == {
        "fit-production": (1, False, ""),
        "monitoring-drift": (None, True, ""),
        "goals-kpis": (0b100, False, ""),
    }
    assert "Your answers are saved" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_without_javascript_one_bad_answer_saves_nothing(client, invitation):
    response = client.post(
        f"/r/{invitation.token}/",
        {"action": "save", "fit-production": "1", "monitoring-drift": "9"},
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "not one of this question" in html
    assert stored(invitation) == {}


@pytest.mark.django_db
def test_submitting_does_not_depend_on_the_broker(
    client, invitation, caplog, django_capture_on_commit_callbacks
):
    """The answers are in the database first; a broker that is down only leaves the round's
    result to be recomputed later by the sweep."""
    answer_everything_required(invitation)
    broker_url = app.conf.broker_url
    forget_broker_connections(app)
    app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False)
    try:
        with (
            caplog.at_level(logging.WARNING, logger="assessments.services"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(f"/r/{invitation.token}/", {"action": "submit"})
    finally:
        forget_broker_connections(app)
        app.conf.update(broker_url=broker_url, task_always_eager=True)

    assert response.status_code == 302
    assert Response.objects.get(invitation=invitation).submitted_at is not None
    assert "left for the sweep" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_answer_endpoint_takes_at_most_three_queries(client, invitation, assert_statements):
    """The first answer: the invitation (with its round and response), the new response, the
    upsert. Every later answer: the upsert alone, which checks in passing that the round still
    takes answers. (A transaction test: the usual test transaction would add savepoints.)"""
    client.get(f"/r/{invitation.token}/")  # warms the layout cache, as any earlier visit does

    with assert_statements(3):
        save(client, invitation, "monitoring-drift", "1")
    with assert_statements(1):
        save(client, invitation, "monitoring-drift", "2")
    with assert_statements(1):
        save(client, invitation, "fit-production", "0")

    assert stored(invitation) == {
        "monitoring-drift": (2, False, ""),
        "fit-production": (0, False, ""),
    }


@pytest.mark.django_db(transaction=True)
def test_another_web_process_saves_a_known_respondents_answer_in_one_statement(
    client, invitation, assert_statements
):
    """The respondent's next click may land on another gunicorn worker: it learns the token from
    the shared cache, not from the database."""
    from assessments.services import answer_targets

    client.get(f"/r/{invitation.token}/")
    save(client, invitation, "monitoring-drift", "1")
    answer_targets.clear()  # what a process that has not seen this respondent knows

    with assert_statements(1):
        save(client, invitation, "monitoring-drift", "3")

    assert stored(invitation) == {"monitoring-drift": (3, False, "")}


@pytest.mark.django_db
def test_a_known_respondent_whose_response_was_deleted_starts_a_new_one(client, invitation):
    """An admin deleted the response; every process may still remember it for a day."""
    save(client, invitation, "monitoring-drift", "1")
    Response.objects.filter(invitation=invitation).delete()

    response = save(client, invitation, "monitoring-drift", "2")

    assert response.status_code == 200
    assert stored(invitation) == {"monitoring-drift": (2, False, "")}


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["closed", "revoked"])
def test_a_known_respondent_is_refused_as_soon_as_the_round_closes_or_the_link_is_revoked(
    client, invitation, change
):
    """Later saves skip the lookup; the one statement that writes must still refuse."""
    save(client, invitation, "monitoring-drift", "1")
    if change == "closed":
        Round.objects.filter(pk=invitation.round_id).update(status=Round.Status.CLOSED)
    else:
        Invitation.objects.filter(pk=invitation.pk).update(status="revoked")

    response = save(client, invitation, "monitoring-drift", "4")

    assert response.status_code == (409 if change == "closed" else 404)
    assert stored(invitation) == {"monitoring-drift": (1, False, "")}


@pytest.mark.django_db
@pytest.mark.parametrize("answered", [0, 41])
def test_the_survey_page_costs_the_same_queries_however_much_is_answered(
    client, invitation, answered, django_assert_num_queries
):
    client.get(f"/r/{invitation.token}/")
    for question in invitation.round.questionnaire.questions.all()[:answered]:
        value = "0" if question.kind != "free_text" else "text"
        save(client, invitation, question.key, value)

    # invitation with round, organization, questionnaire and response; the answers
    with django_assert_num_queries(1 if answered == 0 else 2):
        client.get(f"/r/{invitation.token}/")
