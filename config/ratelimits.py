"""Rate limits for the pages a stranger can reach: login, password reset and the pages behind
an invitation token. Counted in the cache (Redis in production), per client address.

Token pages count only misses: a burst of unknown tokens from one address is refused, while an
office of thousands answering from behind one address, each with a valid token, is not.
"""

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

LOGIN_RATE = "20/m"
PASSWORD_RESET_RATE = "5/m"
TOKEN_MISS_RATE = "20/m"

login_limited = ratelimit(key="ip", rate=LOGIN_RATE, method="POST", block=True)
password_reset_limited = ratelimit(key="ip", rate=PASSWORD_RESET_RATE, method="POST", block=True)


def token_misses_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse (429) an address that asked for TOKEN_MISS_RATE unknown tokens; count a miss
    each time the view answers 404."""

    def missed(request: HttpRequest, *, increment: bool) -> bool:
        return is_ratelimited(
            request, group="token-misses", key="ip", rate=TOKEN_MISS_RATE, increment=increment
        )

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
