"""Faults on the respondents' save path: the database connection dropped during a save, and
Redis unreachable while answers are saved. A save either lands whole or is refused with
"try again"; never a 500, never half a row."""

import psycopg
import pytest
from django.db import connection

from assessments.models import Answer, Invitation, Round
from config.database_errors import MESSAGE
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
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    statuses = [save(client, invitation, value).status_code for value in "0123"]
    page = client.get(f"/r/{invitation.token}/")

    assert statuses == [200, 200, 200, 200] and page.status_code == 200
    assert saved_values(invitation) == [3]
    assert "rate limit token-misses not checked, the cache is unreachable" in caplog.text
