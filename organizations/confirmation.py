"""Links that confirm an account's email address: Django's password-reset tokens with a salt
of their own, spent once the address is confirmed (the confirmation time is in the hash), and
valid for PASSWORD_RESET_TIMEOUT."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import User


class EmailConfirmationTokens(PasswordResetTokenGenerator):
    key_salt = "readiness-radar.email-confirmation"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{user.pk}{user.email}{user.email_confirmed_at}{timestamp}"


email_confirmation_tokens = EmailConfirmationTokens()


def confirmation_path_args(user: User) -> list[str]:
    return [urlsafe_base64_encode(force_bytes(user.pk)), email_confirmation_tokens.make_token(user)]
