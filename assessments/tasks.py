from celery import shared_task

from .models import Round
from .services import round_result_compute


@shared_task(acks_late=True, reject_on_worker_lost=True)
def round_result_compute_task(round_id: int) -> int:
    """Aggregate one round; safe to run twice, so it may be re-delivered if a worker dies."""
    result = round_result_compute(round=Round.objects.get(pk=round_id))
    return result.pk
