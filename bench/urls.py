"""The app's URLs plus the floors a benchmark compares against."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_POST


@require_POST
def one_insert(request: HttpRequest) -> HttpResponse:
    """The floor under any save on this stack: a POST through the same middleware (CSRF
    included) that writes one row."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (value) VALUES (%s)", [1])
    return HttpResponse("ok")


def constant(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    path("bench/insert/", one_insert),
    path("bench/constant/", constant),
    path("", include("config.urls")),
]
