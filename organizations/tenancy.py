"""The one place where organization-scoped URLs check who may see them.

Every view under /o/<organization_slug>/ is wrapped in `organization_view`. A user who is not a
member gets 404, so the organization's existence is never confirmed to outsiders; a member
without the role gets 403. The view receives `request.organization` and `request.membership`.
Every answer is marked `Cache-Control: no-store`: these pages and downloads hold an
organization's results and people, which no browser or proxy cache should keep.
"""

from collections.abc import Callable
from functools import wraps
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from .models import Membership


def organization_view(*, role: Membership.Role = Membership.Role.MEMBER):
    """Require a membership of the URL's organization with at least `role`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, organization_slug: str, *args, **kwargs) -> HttpResponse:
            membership = (
                Membership.objects.select_related("organization")
                .filter(user=request.user, organization__slug=organization_slug)
                .first()
            )
            if membership is None:
                raise Http404("No such organization.")
            if not membership.has_role(role):
                raise PermissionDenied("Your role in this organization does not allow this.")
            request.organization = membership.organization
            request.membership = membership
            # Dates typed into forms and shown on pages are in the organization's time zone.
            with timezone.override(ZoneInfo(membership.organization.time_zone)):
                response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        wrapped.required_role = role
        return wrapped

    return decorator
