import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError

from core.tasks import RERUNNABLE

from .services import report_fail, report_render

logger = logging.getLogger(__name__)


@shared_task(
    **RERUNNABLE,
    max_retries=3,
    soft_time_limit=settings.REPORT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT + 30,
)
def report_render_task(report_id: int) -> None:
    """Render one PDF roadmap. Acknowledged late, so a worker that dies mid-render leaves the
    message for the next; report_render is safe to run twice. Any other failure is shown to
    the lead, who can ask again."""
    try:
        report_render(report_id)
    except SoftTimeLimitExceeded:
        logger.warning("report %s took longer than %s s", report_id, settings.REPORT_TIME_LIMIT)
        report_fail(report_id, "The report took too long to render. Try again later.")
    except (DatabaseOperationalError, InterfaceError):
        raise
    except Exception:
        logger.exception("report %s failed", report_id)
        report_fail(
            report_id, "The report could not be rendered. Try again; if it fails again, tell us."
        )
