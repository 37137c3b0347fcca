import logging
import time

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.tasks import RERUNNABLE
from core.validators import one_line

from .models import Invitation, Round
from .services import (
    cache_delete_quietly,
    result_queued_key,
    round_result_compute,
    round_results_refresh_stale,
    rounds_close_due,
)

logger = logging.getLogger(__name__)


@shared_task(**RERUNNABLE, max_retries=5, soft_time_limit=120, time_limit=180)
def round_result_compute_task(round_id: int) -> int | None:
    """Aggregate one round. Safe to run twice (each run stores a new version and retires the
    previous one under a lock), so it is acknowledged late and re-delivered if a worker dies."""
    # Cleared before reading: a submission made while this runs queues the next computation.
    cache_delete_quietly(result_queued_key(round_id))
    round = Round.objects.filter(pk=round_id).first()
    if round is None:
        return None  # deleted since it was queued
    return round_result_compute(round=round).pk


@shared_task
def round_results_refresh_stale_task() -> int:
    """Run by beat every five minutes: recompute rounds whose result missed something."""
    return round_results_refresh_stale()


@shared_task
def rounds_close_due_task() -> int:
    """Run by beat every minute: close the open rounds whose close date has passed."""
    return rounds_close_due()


def invitation_email(invitation: Invitation, *, template: str) -> EmailMessage:
    round = invitation.round
    context = {
        "round": round,
        "organization": round.organization,
        "url": settings.SITE_URL + reverse("assessments:survey", args=[invitation.token]),
    }
    return EmailMessage(
        subject=one_line(f"{round.organization.name}: {round.title}"),
        body=render_to_string(template, context),
        to=[invitation.email],
    )


def send_each(invitations, *, template: str, mark_sent: bool) -> int:
    """Send one email per invitation over one connection. Each invitation is marked sent as
    soon as its email is out, so a task re-run after a crash skips those already sent."""
    sent = 0
    with get_connection() as connection:
        for invitation in invitations:
            message = invitation_email(invitation, template=template)
            message.connection = connection
            message.send(fail_silently=False)
            if mark_sent:
                Invitation.objects.filter(pk=invitation.pk).update(
                    status=Invitation.Status.SENT, sent_at=timezone.now()
                )
            sent += 1
    return sent


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def round_invitations_send_task(round_id: int) -> int:
    """Email every invitation of an open round that has not been emailed yet."""
    invitations = (
        Invitation.objects.select_related("round__organization")
        .filter(round_id=round_id, round__status=Round.Status.OPEN)
        .filter(status=Invitation.Status.PENDING)
        .exclude(email="")
        .order_by("pk")
    )
    return round_emails_send(round_id, invitations, "invitations", mark_sent=True)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def round_reminders_send_task(round_id: int) -> int:
    """Remind everyone invited by email who has not submitted yet."""
    invitations = (
        Invitation.objects.select_related("round__organization")
        .filter(round_id=round_id, round__status=Round.Status.OPEN, status=Invitation.Status.SENT)
        .exclude(email="")
        .filter(Q(response__isnull=True) | Q(response__submitted_at__isnull=True))
        .order_by("pk")
    )
    return round_emails_send(round_id, invitations, "reminders", mark_sent=False)


def round_emails_send(round_id: int, invitations, kind: str, *, mark_sent: bool) -> int:
    """Send and log, for the operator, how many went out for which round, and how long it took."""
    started = time.monotonic()
    template = {"invitations": "emails/invitation.txt", "reminders": "emails/reminder.txt"}[kind]
    sent = send_each(invitations.iterator(), template=template, mark_sent=mark_sent)
    round = Round.objects.only("public_id", "organization_id").get(pk=round_id)
    logger.info(
        "%s sent round=%s organization=%s count=%d ms=%.0f",
        kind,
        round.public_id,
        round.organization_id,
        sent,
        (time.monotonic() - started) * 1000,
    )
    return sent
