"""A lost database connection answers 503 with "try again", not a 500.

Every write of the app is one statement or one transaction, so a connection that drops mid-
request leaves nothing half-written: the request can simply be repeated, and the survey page
repeats failed saves by itself. Django discards the broken connection at the end of the
request; the next one connects afresh.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MESSAGE = "The database did not answer, and nothing was saved. Try again in a moment."


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        match = request.resolver_match
        logger.warning(
            "database unavailable route=%s: %s",
            match.view_name if match else "-",
            type(exception).__name__,
        )
        response = HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
