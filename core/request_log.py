"""One log line per request, for operators: the route's name (never the path, which can hold an
invitation token), the status, the duration, and the organization and round it concerned.
Nothing a respondent typed and no token ever reaches it: only names, ids and numbers are logged.
"""

import logging
import re
import time

logger = logging.getLogger("radar.requests")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        organization = getattr(request, "organization", None)
        organization_id, round_id = getattr(request, "log_scope", (None, None))
        if organization is not None:
            organization_id = organization.pk
        if match and "round_id" in match.kwargs:
            round_id = match.kwargs["round_id"]
        logger.info(
            "request method=%s route=%s status=%d ms=%.1f organization=%s round=%s",
            request.method,
            match.view_name if match else "-",
            response.status_code,
            (time.perf_counter() - started) * 1000,
            organization_id or "-",
            round_id or "-",
        )
        return response


class RedactTokens(logging.Filter):
    """Takes invitation tokens out of any log line that carries a path (Django's own "Not
    Found: /r/<token>/" and error lines): a token is the respondent's only key."""

    TOKEN_PATH = re.compile(r"/(r|join)/[^/\s]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.TOKEN_PATH.sub(r"/\1/…", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
