"""Rate limits for the pages a stranger can reach: login, password reset and the pages behind
an invitation token. Counted in the cache (Redis in production), per client address, with
django-ratelimit's counters.

Token pages count only misses: a burst of unknown tokens from one address is refused, while an
office of thousands answering from behind one address, each with a valid token, is not.

The limits fail open: with the cache unreachable nothing is limited, since a respondent's save
must not fail because Redis restarts.
"""

import ipaddress
import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LOGIN_RATE = "20/m"
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


def over_limit(request: HttpRequest, *, group: str, rate: str, increment: bool) -> bool:
    try:
        return is_ratelimited(request, group=group, key="ip", rate=rate, increment=increment)
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


login_limited = posts_limited("login", LOGIN_RATE)
password_reset_limited = posts_limited("password-reset", PASSWORD_RESET_RATE)


def token_misses_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (429) an address that asked for more than TOKEN_MISS_RATE unknown tokens; count a
    miss each time the view answers 404."""

    def missed(request: HttpRequest, *, increment: bool) -> bool:
        return over_limit(request, group="token-misses", rate=TOKEN_MISS_RATE, increment=increment)

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if missed(request, increment=False):
            raise Ratelimited()
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            missed(request, increment=True)
            raise
        if response.status_code == 404:
            missed(request, increment=True)
        return response

    return wrapped
