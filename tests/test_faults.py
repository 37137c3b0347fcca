"""Faults on the respondents' save path: the database connection dropped during a save, Redis
unreachable, and Redis restarted while answers are saved. A save either lands whole or is
refused with "try again"; never a 500, never half a row."""

import logging

import psycopg
import pytest
from django.db import connection

from assessments.models import Answer, Invitation, Response, Round
from assessments.survey import survey_layout
from core.database_errors import MESSAGE
from tests.conftest import require_service

HTMX = {"HX-Request": "true"}


@pytest.fixture
def invitation(acme_round) -> Invitation:
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    return Invitation.objects.create(round=acme_round)


def save(client, invitation: Invitation, value: str):
    return client.post(
        f"/r/{invitation.token}/answers/monitoring-drift/", {"monitoring-drift": value}, **HTMX
    )


def saved_values(invitation: Invitation) -> list[int]:
    return list(
        Answer.objects.filter(
            response__invitation=invitation, question__key="monitoring-drift"
        ).values_list("value", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_during_a_save_answers_try_again_and_writes_nothing(
    client, invitation
):
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    assert save(client, invitation, "1").status_code == 200
    settings = connection.settings_dict
    backend = connection.connection.info.backend_pid
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        dbname=settings["NAME"],
        password=settings["PASSWORD"] or None,
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])

    dropped = save(client, invitation, "3")

    assert dropped.status_code == 503
    assert dropped.content.decode() == MESSAGE and dropped["Retry-After"] == "5"
    # What Django does at the end of every request (the test client skips it): a broken
    # connection is closed, and the next request opens a new one.
    connection.close_if_unusable_or_obsolete()
    assert saved_values(invitation) == [1]

    retried = save(client, invitation, "3")

    assert retried.status_code == 200
    assert saved_values(invitation) == [3]


@pytest.mark.django_db
def test_saves_land_while_redis_is_unreachable(client, invitation, settings, caplog):
    # The cache the rate limits and the result requests use, pointed at a closed port.
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    statuses = [save(client, invitation, value).status_code for value in "0123"]
    page = client.get(f"/r/{invitation.token}/", follow=True)

    assert statuses == [200, 200, 200, 200] and page.status_code == 200
    assert saved_values(invitation) == [3]
    # A valid token never reaches the miss limit, so the unreachable cache is not even asked.
    assert "rate limit token-misses not checked" not in caplog.text


def submit(client, invitation: Invitation):
    """Each screen's "Save and continue" (as without JavaScript), with an answer to every
    required question but the one the test saves on its own, then "Submit my answers"."""
    layout = survey_layout(invitation.round.questionnaire_id)
    for section in layout.sections:
        form = {
            question.key: str(min(question.allowed))
            for question in section.questions
            if question.required and question.key != "monitoring-drift"
        }
        client.post(f"/r/{invitation.token}/s/{section.key}/", {**form, "action": "continue"})
    return client.post(f"/r/{invitation.token}/review/")


@pytest.mark.django_db(transaction=True)  # the recomputation is queued once the save commits
def test_no_answer_is_lost_and_no_save_fails_while_redis_restarts(
    client, acme_round, restartable_redis, caplog
):
    server, broker = restartable_redis
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    before, during, after = (Invitation.objects.create(round=acme_round) for _ in range(3))
    statuses = []

    def answer(invitation: Invitation, values: str) -> None:
        statuses.extend(save(client, invitation, value).status_code for value in values)

    answer(before, "012")
    submitted_before = submit(client, before)
    assert broker["redis"].llen(broker["queue"]) == 1  # the round's recomputation, queued

    server.stop()
    answer(during, "340")
    submitted_during = submit(client, during)
    assert "left for the sweep" in caplog.text

    # Back, and empty: the queued recomputation went with the old process, as it would in
    # production, where Redis keeps nothing on disk.
    server.start()
    caplog.clear()
    answer(after, "123")
    submitted_after = submit(client, after)

    assert statuses == [200] * 9
    assert [r.status_code for r in (submitted_before, submitted_during, submitted_after)] == [
        302,
        302,
        302,
    ]
    assert (saved_values(before), saved_values(during), saved_values(after)) == ([2], [0], [3])
    assert Response.objects.filter(round=acme_round, submitted_at__isnull=False).count() == 3
    # The app found the new Redis by itself: the last submission queued the recomputation again
    # (which also covers the one lost), and nothing was logged as unreachable any more.
    assert broker["redis"].llen(broker["queue"]) == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
