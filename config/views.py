from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from organizations.selectors import user_organizations


@never_cache  # it lists the organizations of whoever is logged in
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home.html")
    organizations = user_organizations(user=request.user)
    if len(organizations) == 1:
        return redirect("assessments:round-list", organization_slug=organizations[0].slug)
    return render(request, "home.html", {"organizations": organizations})


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """django-ratelimit's answer past a limit: 429, and when to try again."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response
