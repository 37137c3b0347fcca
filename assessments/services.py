"""Writes that touch several rows of a round. Views, tasks, commands and tests all call these."""

import logging
import time

from django.db import transaction
from django.db.models import Count, Max

from .models import Answer, Round, RoundResult

logger = logging.getLogger(__name__)


@transaction.atomic
def round_result_compute(*, round: Round) -> RoundResult:
    """Store a new current result for `round` and retire the previous one.

    The round row is locked for the duration, so two workers computing the same round take turns
    and the partial unique constraint on `is_current` can never see two current results.
    """
    started = time.monotonic()
    Round.objects.select_for_update().get(pk=round.pk)
    submitted = round.responses.filter(submitted_at__isnull=False)
    seen = Answer.objects.filter(response__in=submitted).aggregate(
        answers=Count("id"), until=Max("updated_at")
    )
    data = {
        "invited": round.invitations.exclude(status="revoked").count(),
        "responses": submitted.count(),
        "answers": seen["answers"],
    }
    previous = round.results.filter(is_current=True).first()
    if previous:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    result = RoundResult.objects.create(
        round=round,
        version=(previous.version + 1) if previous else 1,
        data=data,
        responses_seen=data["responses"],
        answers_updated_until=seen["until"],
    )
    logger.info(
        "round result computed round=%s organization=%s version=%s responses=%s ms=%.0f",
        round.public_id,
        round.organization_id,
        result.version,
        result.responses_seen,
        (time.monotonic() - started) * 1000,
    )
    return result
