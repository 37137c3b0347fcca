import logging
import time
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.validators import one_line

from .confirmation import confirmation_path_args
from .models import OrganizationInvitation, User

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


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_confirmation_send_task(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, email_confirmed_at__isnull=True).first()
    if user is None:
        return
    path = reverse("organizations:email-confirm", args=confirmation_path_args(user))
    send_mail(
        subject="Confirm your email address for Readiness Radar",
        message=render_to_string(
            "emails/email_confirmation.txt", {"url": settings.SITE_URL + path}
        ),
        from_email=None,
        recipient_list=[user.email],
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def account_exists_email_task(user_id: int) -> None:
    """Someone signed up with an address that has an account: its owner hears of it, the person
    who typed it learns nothing. Once a day at most, or signups from many addresses would
    flood that inbox."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not cache.add(f"account-exists-mailed:{user_id}", 1, timeout=24 * 3600):
        return
    context = {
        "login_url": settings.SITE_URL + reverse("login"),
        "reset_url": settings.SITE_URL + reverse("password_reset"),
    }
    send_mail(
        subject="You already have a Readiness Radar account",
        message=render_to_string("emails/account_exists.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def password_reset_email_task(user_id: int) -> None:
    """Django's password reset email (its templates, its token), sent by the worker."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    site = urlsplit(settings.SITE_URL)
    context = {
        "email": user.email,
        "domain": site.netloc,
        "site_name": "Readiness Radar",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": site.scheme,
    }
    subject = one_line(render_to_string("registration/password_reset_subject.txt", context))
    body = render_to_string("registration/password_reset_email.html", context)
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
