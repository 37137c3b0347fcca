"""Rate limits for the pages a stranger can reach: login, password reset and the pages behind
an invitation token. Counted in the cache (Redis in production), per client address, with
django-ratelimit's counters.

Token pages count only misses, after looking the token up: a burst of unknown tokens from one
address is refused, while an office of thousands answering from behind one address, each with
a valid token, never is.

The limits fail open: with the cache unreachable nothing is limited, since a respondent's save
must not fail because Redis restarts.
"""

import ipaddress
import logging
import unicodedata
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django_ratelimit.core import get_usage, is_ratelimited
from django_ratelimit.exceptions import Ratelimited
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LOGIN_RATE = "20/m"
# Failed logins for one account, from any address: a guesser with many addresses gets 10 tries
# in 5 minutes, and someone who wants to lock an owner out manages 5 minutes at most (the
# password reset still works meanwhile).
LOGIN_ACCOUNT_RATE = "10/5m"
PASSWORD_RESET_RATE = "5/m"
TOKEN_MISS_RATE = "20/m"


def client_address(request: HttpRequest) -> str | None:
    """The address the rate limits and the login lockout count by.

    Behind PROXY_COUNT proxies that each append the address they saw to X-Forwarded-For, it is
    the one the outermost proxy saw, PROXY_COUNT entries from the right. Entries further left
    were written by the client, who could pick a new one for every request. A header that is
    missing, too short or not an address leaves the connection's own address (None for a
    request made in code, such as the test client's login)."""
    if settings.PROXY_COUNT:
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(hops) >= settings.PROXY_COUNT:
            try:
                return str(ipaddress.ip_address(hops[-settings.PROXY_COUNT].strip()))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR")


def over_limit(request: HttpRequest, *, group: str, rate: str, increment: bool, key="ip") -> bool:
    try:
        return is_ratelimited(request, group=group, key=key, rate=rate, increment=increment)
    except (RedisError, OSError) as error:
        logger.warning("rate limit %s not checked, the cache is unreachable: %s", group, error)
        return False


def posts_limited(group: str, rate: str):
    """Refuse (429) POSTs from an address past `rate`; every POST counts."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST" and over_limit(
                request, group=group, rate=rate, increment=True
            ):
                raise Ratelimited()
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def login_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The account a login attempt is for, as every limit counts it. django-axes calls it too
    (AXES_USERNAME_CALLABLE). An existing account is counted by its id, whatever spelling
    found it: `Member@…`, a full-width m in `member@…` (the login form's NFKC makes it plain) or a
    letter the database's case-insensitive match folds. Any other name is counted trimmed,
    NFKC-normalised and case-folded, never longer than an email column."""
    given = (credentials or {}).get("username")
    if given is None:
        given = request.POST.get("username", "")
    name = unicodedata.normalize("NFKC", str(given)).strip()[:254]
    if not name:
        return ""
    users = get_user_model()._default_manager
    found = users.filter(**{f"{users.model.USERNAME_FIELD}__iexact": name}).values("pk").first()
    return f"account:{found['pk']}" if found else name.casefold()


def failures_limited(*, group: str, rate: str, key: Callable[[HttpRequest], str]):
    """Refuse (429) a POST for an account (`key`) past `rate` failures, whatever the address.
    The limit is checked before the view runs, so the answer is the same whether or not the
    password was right; a failure (any answer but the success redirect) counts."""

    def account(group: str, request: HttpRequest) -> str:
        return key(request)

    def spent(request: HttpRequest) -> bool:
        """Whether the account's failures already reached the limit (counting none)."""
        try:
            usage = get_usage(request, group=group, key=account, rate=rate)
        except (RedisError, OSError) as error:
            logger.warning("rate limit %s not checked, the cache is unreachable: %s", group, error)
            return False
        return usage is not None and usage["count"] >= usage["limit"]

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "POST" or not key(request):
                return view(request, *args, **kwargs)
            if spent(request):
                raise Ratelimited()
            response = view(request, *args, **kwargs)
            if response.status_code != 302:
                over_limit(request, group=group, rate=rate, increment=True, key=account)
            return response

        return wrapped

    return decorator


failed_logins_limited = failures_limited(
    group="login-account", rate=LOGIN_ACCOUNT_RATE, key=login_username
)
# The password change asks for the current password: a guesser holding a session must not
# try it without limit either.
password_change_limited = failures_limited(
    group="password-change",
    rate=LOGIN_ACCOUNT_RATE,
    key=lambda request: f"account:{request.user.pk}" if request.user.is_authenticated else "",
)


def login_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The login's limits: a burst from one address, then failures per account."""
    return posts_limited("login", LOGIN_RATE)(failed_logins_limited(view))


password_reset_limited = posts_limited("password-reset", PASSWORD_RESET_RATE)


def token_misses_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Count a miss each time the view finds no such token (it raises Http404), and refuse
    (429) the miss of an address past TOKEN_MISS_RATE. The token is looked up first, so a valid
    token is never refused: a guesser is slowed, an office of respondents behind one address is
    not."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Http404:
            if over_limit(request, group="token-misses", rate=TOKEN_MISS_RATE, increment=True):
                raise Ratelimited() from None
            raise

    return wrapped
