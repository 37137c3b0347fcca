"""When the round result is computed: coalesced requests, one current result under concurrency,
the sweep that catches what was lost, and a worker killed in the middle of a run."""

import threading
import time

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from assessments.models import Answer, Round, RoundResult
from assessments.services import (
    round_result_compute,
    round_result_request,
    round_results_refresh_stale,
    stale_rounds,
)
from tests.conftest import require_service

from .builders import answered_round

FIVE_ANSWERS = [{"monitoring-drift": value} for value in (0, 1, 2, 3, 4)]


def wait_for(condition, seconds: float = 120, message: str = "timed out") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


@pytest.mark.worker
@pytest.mark.django_db
def test_a_burst_of_500_submissions_queues_one_computation(
    acme_round, real_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(500):
            round_result_request(round_id=acme_round.pk)

    assert real_broker["redis"].llen(real_broker["queue"]) == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_leave_one_current_result(acme_round):
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    answered_round(acme_round, FIVE_ANSWERS)
    start = threading.Barrier(2)
    errors = []

    def run() -> None:
        try:
            start.wait()
            round_result_compute(round=Round.objects.get(pk=acme_round.pk))
        except Exception as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    results = RoundResult.objects.filter(round=acme_round).order_by("version")
    assert [(r.version, r.is_current) for r in results] == [(1, False), (2, True)]


@pytest.mark.django_db
def test_the_sweep_recomputes_a_round_whose_submission_missed_the_broker(
    acme_round, django_capture_on_commit_callbacks
):
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    answered_round(acme_round, FIVE_ANSWERS)  # submitted, but no computation ever ran

    assert list(stale_rounds()) == [acme_round]
    with django_capture_on_commit_callbacks(execute=True):
        round_results_refresh_stale()  # tasks run in-process in tests
    assert list(stale_rounds()) == []
    assert acme_round.results.get(is_current=True).responses_seen == 5

    Answer.objects.filter(response__round=acme_round).update(
        value=4, updated_at=timezone.now()
    )  # a respondent changed an answer after submitting
    assert list(stale_rounds()) == [acme_round]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_and_the_result_is_still_computed(
    acme_round, worker_process_factory, real_broker
):
    answered_round(acme_round, FIVE_ANSWERS)
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    producer = Celery(broker=settings.TEST_REDIS_URL, set_as_current=False)
    first = worker_process_factory(pool="solo")

    # Hold the round's row lock: the worker's run starts, then waits on it, mid-run.
    with transaction.atomic():
        Round.objects.select_for_update().get(pk=acme_round.pk)
        producer.send_task(
            "assessments.tasks.round_result_compute_task",
            args=[acme_round.pk],
            queue=real_broker["queue"],
        )
        wait_for(lambda: waiting_on_a_lock() > 0, message="the worker never reached the lock")
        first.kill()
    assert not RoundResult.objects.filter(round=acme_round).exists()

    worker_process_factory(pool="solo")
    round_results_refresh_stale()  # what beat runs every five minutes

    wait_for(lambda: RoundResult.objects.filter(round=acme_round).exists())
    result = RoundResult.objects.get(round=acme_round)
    assert (result.version, result.is_current, result.responses_seen) == (1, True, 5)
    assert result.data["questions"]["monitoring-drift"]["mean"] == 2.0


def waiting_on_a_lock() -> int:
    with connections["default"].cursor() as cursor:
        # Inside a transaction the statistics views are a snapshot: take a fresh one each time.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_lead_asks_for_a_recomputation(
    client, lena, acme_round, django_capture_on_commit_callbacks
):
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    answered_round(acme_round, FIVE_ANSWERS)
    client.force_login(lena)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/o/acme/rounds/{acme_round.public_id}/recompute/", HTTP_HX_REQUEST="true"
        )

    assert response.status_code == 200
    assert "computed again" in response.content.decode()
    assert acme_round.results.get(is_current=True).responses_seen == 5


@pytest.mark.django_db
def test_a_draft_round_has_nothing_to_recompute(client, lena, acme_round):
    client.force_login(lena)

    response = client.post(
        f"/o/acme/rounds/{acme_round.public_id}/recompute/", HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 409
    assert not acme_round.results.exists()
