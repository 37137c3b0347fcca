import logging
import smtplib
import time

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.tasks import RERUNNABLE
from core.validators import one_line

from .models import Invitation, Round
from .selectors import reminders_due
from .services import (
    cache_delete_quietly,
    result_queued_key,
    round_result_compute,
    round_results_refresh_stale,
    rounds_close_due,
)
from .survey import survey_layout

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
        "minutes": survey_layout(round.questionnaire_id).minutes,
        "url": settings.SITE_URL + reverse("assessments:survey", args=[invitation.token]),
    }
    return EmailMessage(
        subject=one_line(f"{round.organization.name}: {round.title}"),
        body=render_to_string(template, context),
        to=[invitation.email],
    )


def send_each(invitations, *, template: str, claim) -> int:
    """Send one email per invitation over one connection. `claim(invitation)` marks it (sent,
    or reminded) with a conditional update before its email goes, and says whether this run
    may send it: a task re-run after a crash, or running beside another, skips those already
    claimed. An email refused for itself (an address or header the server rejects) marks its
    invitation as failed and the others go on; a server that cannot be reached stops the run,
    to be retried."""
    sent = 0
    with get_connection() as connection:
        for invitation in invitations:
            if not claim(invitation):
                continue
            message = invitation_email(invitation, template=template)
            message.connection = connection
            try:
                message.send(fail_silently=False)
            except (ValueError, smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
                logger.warning("email refused invitation=%s: %s", invitation.public_id, error)
                Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.FAILED)
                continue
            except OSError:
                unclaim(invitation)
                raise
            sent += 1
    return sent


def claim_sent(invitation: Invitation) -> bool:
    return bool(
        Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING).update(
            status=Invitation.Status.SENT, sent_at=timezone.now()
        )
    )


def claim_reminded(invitation: Invitation) -> bool:
    return bool(
        reminders_due(round=invitation.round)
        .filter(pk=invitation.pk)
        .update(reminded_at=timezone.now())
    )


def unclaim(invitation: Invitation) -> None:
    """The server could not be reached: the invitation waits for the retry as it was."""
    Invitation.objects.filter(pk=invitation.pk).update(
        status=invitation.status, sent_at=invitation.sent_at, reminded_at=invitation.reminded_at
    )


@shared_task(bind=True, max_retries=5)
def round_invitations_send_task(self, round_id: int) -> int:
    """Email every invitation of an open round that has not been emailed yet. While the mail
    server cannot be reached it is retried with backoff; after the last try the invitations
    left are marked failed, and the participation page offers to send them again."""
    invitations = (
        Invitation.objects.select_related("round__organization")
        .filter(round_id=round_id, round__status=Round.Status.OPEN)
        .filter(status=Invitation.Status.PENDING)
        .exclude(email="")
        .order_by("pk")
    )
    try:
        return round_emails_send(round_id, invitations, "invitations", claim=claim_sent)
    except OSError as error:
        if self.request.retries >= self.max_retries:
            failed = invitations.update(status=Invitation.Status.FAILED)
            logger.error("invitations not sent round_id=%s count=%d: %s", round_id, failed, error)
            return 0
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def round_reminders_send_task(round_id: int) -> int:
    """Remind everyone invited by email who has not submitted and was not reminded today."""
    round = Round.objects.filter(pk=round_id, status=Round.Status.OPEN).first()
    if round is None:
        return 0
    invitations = reminders_due(round=round).select_related("round__organization").order_by("pk")
    return round_emails_send(round_id, invitations, "reminders", claim=claim_reminded)


def round_emails_send(round_id: int, invitations, kind: str, *, claim) -> int:
    """Send and log, for the operator, how many went out for which round, and how long it took."""
    started = time.monotonic()
    template = {"invitations": "emails/invitation.txt", "reminders": "emails/reminder.txt"}[kind]
    sent = send_each(invitations.iterator(), template=template, claim=claim)
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
