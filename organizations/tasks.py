import logging
import time

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from core.validators import one_line

from .models import OrganizationInvitation

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def organization_invitation_send_task(invitation_id: int) -> None:
    started = time.monotonic()
    invitation = (
        OrganizationInvitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return
    context = {
        "invitation": invitation,
        "url": settings.SITE_URL + reverse("organizations:join", args=[invitation.token]),
    }
    send_mail(
        subject=one_line(f"Join {invitation.organization.name} on Readiness Radar"),
        message=render_to_string("emails/organization_invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    logger.info(
        "organization invitation sent organization=%s ms=%.0f",
        invitation.organization_id,
        (time.monotonic() - started) * 1000,
    )
