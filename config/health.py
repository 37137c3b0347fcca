"""`/healthz`: 200 when the database and the broker answer, 503 naming what does not.

It is answered by the outermost middleware, before host validation and the https redirect: a
container's health check calls gunicorn directly, over plain HTTP, at its loopback address, which
is neither an allowed host nor behind the proxy. Answering it there also keeps a probe every few
seconds out of the request log.
"""

from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

HEALTH_PATH = "/healthz"


def broker_problem() -> str | None:
    """Why the broker cannot take tasks, or None. In-process (eager) mode has no broker to lose."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
    )
    try:
        client.ping()
    except redis.RedisError as error:
        return f"{type(error).__name__}: {error}"
    finally:
        client.close()
    return None


def database_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure to reach the database is the finding itself
        return f"{type(error).__name__}: {error}"
    return None


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    problems = {
        name: problem
        for name, problem in (("database", database_problem()), ("broker", broker_problem()))
        if problem
    }
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH:
            return healthz(request)
        return self.get_response(request)
