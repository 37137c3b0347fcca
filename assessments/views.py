from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from organizations.tenancy import organization_view

from .selectors import invitation_by_token, round_list


@organization_view()
@require_GET
def round_list_view(request: HttpRequest) -> HttpResponse:
    rounds = round_list(organization=request.organization)
    return render(request, "assessments/round_list.html", {"rounds": rounds})


@require_GET
def survey(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token=token)
    return render(request, "assessments/survey.html", {"invitation": invitation})
