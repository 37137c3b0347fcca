import time

import pytest
from celery import Celery
from django.conf import settings
from django.utils import timezone

from assessments.models import Invitation, Response, RoundResult


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_sent_through_redis_is_run_by_a_worker_process_and_writes_to_the_database(
    worker_process_factory, acme_round
):
    worker = worker_process_factory()
    for _ in range(3):
        Response.objects.create(
            invitation=Invitation.objects.create(round=acme_round),
            round=acme_round,
            submitted_at=timezone.now(),
        )
    # Not the current app: shared tasks of later tests must keep resolving to config.celery.
    producer = Celery(broker=settings.TEST_REDIS_URL, set_as_current=False)

    producer.send_task(
        "assessments.tasks.round_result_compute_task",
        args=[acme_round.pk],
        queue=settings.CELERY_TASK_DEFAULT_QUEUE,
    )

    deadline = time.monotonic() + 120  # a cap for a busy machine, not a wait
    while not RoundResult.objects.filter(round=acme_round).exists():
        assert worker.alive(), "the worker process died"
        assert time.monotonic() < deadline, "no result written within 120 s"
        time.sleep(0.1)
    result = RoundResult.objects.get(round=acme_round)
    assert (result.version, result.is_current, result.responses_seen) == (1, True, 3)
    assert result.data["invited"] == 3
