from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments.selectors import round_get
from organizations.models import Membership
from organizations.tenancy import organization_view


@organization_view(role=Membership.Role.LEAD)
@require_GET
def round_dashboard(request: HttpRequest, round_id: UUID) -> HttpResponse:
    round = round_get(organization=request.organization, public_id=round_id)
    return render(request, "reports/round_dashboard.html", {"round": round})


@organization_view(role=Membership.Role.LEAD)
@require_GET
def round_report(request: HttpRequest, round_id: UUID) -> HttpResponse:
    round = round_get(organization=request.organization, public_id=round_id)
    return render(request, "reports/round_report.html", {"round": round})
