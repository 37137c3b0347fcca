from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from organizations.selectors import user_organizations

from .health import broker_problem


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home.html")
    organizations = user_organizations(user=request.user)
    if len(organizations) == 1:
        return redirect("assessments:round-list", organization_slug=organizations[0].slug)
    return render(request, "home.html", {"organizations": organizations})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer; 503 naming what does not."""
    problems = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure to reach the database is the finding itself
        problems["database"] = f"{type(error).__name__}: {error}"
    broker = broker_problem()
    if broker:
        problems["broker"] = broker
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """django-ratelimit's answer past a limit: 429, and when to try again."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response
