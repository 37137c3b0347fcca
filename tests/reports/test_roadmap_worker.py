"""The PDF roadmap made by real worker processes through Redis, including one that dies."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reports.models import Report
from reports.services import report_request
from tests.assessments.test_result_jobs import wait_for, waiting_on_a_lock

from .test_roadmap_pdf import respondent


@pytest.fixture
def answered(acme_round):
    from tests.assessments.builders import answered_round, closed_and_computed

    answered_round(acme_round, [respondent(index) for index in range(5)])
    closed_and_computed(acme_round)
    return acme_round


def pdf_files() -> list[Path]:
    return list(Path(settings.MEDIA_ROOT).glob("reports/*/*/*.pdf"))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_renders_the_roadmap_a_lead_asked_for(
    answered, real_broker, worker_process_factory
):
    worker_process_factory()
    report = report_request(round=answered, page_size="A4", by=None)

    wait_for(lambda: Report.objects.get(pk=report.pk).status == Report.Status.READY)

    report.refresh_from_db()
    assert report.pages > 5
    assert Path(report.file.path).read_bytes().startswith(b"%PDF-")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_render_and_the_roadmap_is_made_once_by_the_next(
    answered, real_broker, worker_process_factory
):
    files_before = set(pdf_files())
    first = worker_process_factory(pool="solo")
    report = report_request(round=answered, page_size="A4", by=None)
    wait_for(lambda: Report.objects.get(pk=report.pk).status == Report.Status.RENDERING)

    # Hold the report's row: the worker renders, then waits on it to store the PDF, mid-run.
    with transaction.atomic():
        Report.objects.select_for_update().get(pk=report.pk)
        wait_for(lambda: waiting_on_a_lock() > 0, message="the worker never reached the lock")
        first.kill()
    report.refresh_from_db()
    assert report.status == Report.Status.RENDERING

    worker_process_factory(pool="solo")
    # Its message died with the worker; a lead asking again once REPORT_STALE_SECONDS have
    # passed queues it again.
    Report.objects.filter(pk=report.pk).update(
        updated_at=timezone.now() - timedelta(seconds=settings.REPORT_STALE_SECONDS + 1)
    )
    assert report_request(round=answered, page_size="A4", by=None).pk == report.pk

    wait_for(lambda: Report.objects.get(pk=report.pk).status == Report.Status.READY)
    assert Report.objects.count() == 1
    assert len(set(pdf_files()) - files_before) == 1
