import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from assessments.models import Answer, Invitation, Response, Round
from assessments.questionnaire_loader import DEFAULT_QUESTIONNAIRE, questionnaire_load
from config.celery import app
from tests.assessments.builders import FIT_KEYS
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


def section_url(invitation, key: str) -> str:
    return f"/r/{invitation.token}/s/{key}/"


@pytest.mark.django_db
def test_the_invitation_opens_the_first_screen_saying_who_sees_what(client, invitation):
    response = client.get(f"/r/{invitation.token}/", follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [(section_url(invitation, "fit"), 302)]
    assert "Spring check" in html and "Acme" in html
    assert "About 16 minutes, 5 screens" in html  # see test_estimate.py
    assert "only once the survey closes" in html
    assert "for fewer than 5 people, the whole survey included" in html
    assert "comments only for at least 10" in html
    assert html.count('id="q-') == 7  # v1's first section, the guide's checklist
    assert "<strong>Screen 1 of 5</strong>" in html
    assert 'answered-count">0</span> of 41 questions answered in all' in html


@pytest.mark.django_db
def test_saved_as_you_go_is_said_only_where_the_script_that_does_it_runs(client, invitation):
    html = client.get(section_url(invitation, "fit")).content.decode()

    assert '<li class="js-only" hidden>Each answer is saved as soon as you choose it.</li>' in html
    assert "<noscript><li>Your answers on a screen are saved when you press" in html
    assert "saved as you go" not in html


@pytest.mark.django_db
def test_the_link_resumes_at_the_first_unanswered_question_then_at_the_review(client, invitation):
    for key in FIT_KEYS:
        save(client, invitation, key, "1")

    resumed = client.get(f"/r/{invitation.token}/")
    answer_everything_required(invitation)
    save(client, invitation, "context-obstacle", "Slow reviews")
    finished = client.get(f"/r/{invitation.token}/")

    assert resumed["Location"] == section_url(invitation, "practices")
    assert finished["Location"] == f"/r/{invitation.token}/review/"


@pytest.mark.django_db
def test_a_screen_shows_its_own_progress_and_the_next_unanswered_question(client, invitation):
    save(client, invitation, "fit-production", "1")
    save(client, invitation, "monitoring-drift", "2")

    html = client.get(section_url(invitation, "practices")).content.decode()

    assert "<strong>Screen 2 of 5</strong>" in html
    assert 'section-answered">1</span> of 25 on this screen' in html
    assert 'answered-count">2</span> of 41 questions answered in all' in html
    assert 'data-answered-elsewhere="1"' in html
    assert 'Next unanswered: <a href="../challenges/#q-challenge-data-drift"' in html


@pytest.mark.django_db
def test_an_unknown_screen_is_404(client, invitation):
    assert client.get(section_url(invitation, "no-such-screen")).status_code == 404


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
    page = client.get(section_url(invitation, "practices")).content.decode()
    assert page.count(" checked>") == 1


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

    response = client.post(f"/r/{invitation.token}/review/")

    html = response.content.decode()
    assert response.status_code == 422
    assert "2 questions still need an answer before you can submit" in html
    assert f'<li><a href="{section_url(invitation, "practices")}#q-monitoring-drift">' in html
    assert f'<li><a href="{section_url(invitation, "goals")}#q-goals-kpis">' in html
    assert html.count('</a> <span class="muted">(') == 2  # each missing one names its screen
    assert "Optional, and not answered" in html and "#q-context-obstacle" in html
    assert Response.objects.get(invitation=invitation).submitted_at is None


@pytest.mark.django_db
def test_a_double_submit_makes_one_submission(
    client, invitation, django_capture_on_commit_callbacks
):
    answer_everything_required(invitation)

    with django_capture_on_commit_callbacks() as callbacks:
        first = client.post(f"/r/{invitation.token}/review/")
    submitted_at = Response.objects.get(invitation=invitation).submitted_at
    with django_capture_on_commit_callbacks() as again:
        second = client.post(f"/r/{invitation.token}/review/")

    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"/r/{invitation.token}/thanks/"
    assert Response.objects.get(invitation=invitation).submitted_at == submitted_at
    assert (len(callbacks), len(again)) == (1, 0)


@pytest.mark.django_db
def test_after_submitting_answers_can_still_change_until_the_round_closes(client, invitation):
    answer_everything_required(invitation)
    client.post(f"/r/{invitation.token}/review/")

    thanks = client.get(f"/r/{invitation.token}/thanks/")
    changed = save(client, invitation, "monitoring-drift", "4")

    assert "Go back to your answers" in thanks.content.decode()
    assert changed.status_code == 200
    assert stored(invitation)["monitoring-drift"] == (4, False, "")


@pytest.mark.django_db
def test_without_javascript_save_and_continue_saves_the_screen_and_moves_on(client, invitation):
    fit = client.post(section_url(invitation, "fit"), {"action": "continue", "fit-production": "1"})
    practices = client.post(
        section_url(invitation, "practices"),
        # a question of another screen is not this form's to save
        {"action": "continue", "monitoring-drift": "dont-know", "goals-kpis": "3"},
    )
    goals = client.post(
        section_url(invitation, "goals"), {"action": "back", "goals-kpis": ["", "2"]}
    )
    last = client.post(section_url(invitation, "context"), {"context-obstacle": ""})

    assert fit["Location"] == section_url(invitation, "practices")
    assert practices["Location"] == section_url(invitation, "challenges")
    assert goals["Location"] == section_url(invitation, "challenges")
    assert last["Location"] == f"/r/{invitation.token}/review/"
    assert stored(invitation) == {
        "fit-production": (1, False, ""),
        "monitoring-drift": (None, True, ""),
        "goals-kpis": (0b100, False, ""),
    }


@pytest.mark.django_db
def test_without_javascript_one_bad_answer_saves_nothing_and_keeps_every_choice(client, invitation):
    response = client.post(
        section_url(invitation, "practices"),
        {"action": "continue", "automation-training": "3", "monitoring-drift": "9"},
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "not one of this question" in html
    assert 'name="automation-training" value="3" checked' in html
    assert stored(invitation) == {}


@pytest.mark.django_db
def test_a_closed_round_shows_its_screens_read_only_and_refuses_a_posted_screen(client, invitation):
    save(client, invitation, "fit-production", "1")
    Round.objects.filter(pk=invitation.round_id).update(status=Round.Status.CLOSED)

    page = client.get(section_url(invitation, "fit"))
    posted = client.post(section_url(invitation, "fit"), {"fit-production": "0"})
    submitted = client.post(f"/r/{invitation.token}/review/")

    assert "answers you saved are kept" in page.content.decode()
    assert (posted.status_code, submitted.status_code) == (409, 409)
    assert stored(invitation) == {"fit-production": (1, False, "")}


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
            response = client.post(f"/r/{invitation.token}/review/")
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
def test_a_survey_screen_costs_the_same_queries_however_much_is_answered(
    client, invitation, answered, django_assert_num_queries
):
    client.get(section_url(invitation, "practices"))
    for question in invitation.round.questionnaire.questions.all()[:answered]:
        value = "0" if question.kind != "free_text" else "text"
        save(client, invitation, question.key, value)

    # A screen: the invitation with its round, organization, response and answers, in one.
    with django_assert_num_queries(1):
        client.get(section_url(invitation, "practices"))
    # The review: the invitation with its round, organization and response; the answers.
    with django_assert_num_queries(1 if answered == 0 else 2):
        client.get(f"/r/{invitation.token}/review/")


@pytest.mark.django_db
def test_a_screen_shared_by_everyone_holds_nothing_of_who_loaded_it_first(
    client, lena, invitation, open_round
):
    """Screens are rendered once per round and section, then filled in: the first to load one
    must leave nothing of theirs in it, and editing the round must show at once."""
    other = Invitation.objects.create(round=open_round, email="bo@acme.example")
    client.force_login(lena)  # a lead trying their own round's link
    save(client, invitation, "fit-production", "1")
    first = client.get(section_url(invitation, "fit"))

    second = Client().get(section_url(other, "fit"))
    Round.objects.filter(pk=open_round.pk).update(title="Autumn check")
    renamed = Client().get(section_url(other, "fit")).content.decode()

    html = second.content.decode()
    assert "lena@acme.example" not in first.content.decode() + html
    assert "Log out" not in html and " checked>" not in html
    assert 'answered-count">0</span>' in html
    token = second.cookies["csrftoken"].value
    assert first.cookies["csrftoken"].value != token
    assert html.count('name="csrfmiddlewaretoken" value="') == 1
    assert "Autumn check" in renamed and "Spring check" not in renamed
