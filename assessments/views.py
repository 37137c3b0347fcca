from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from organizations.models import Membership
from organizations.tenancy import organization_view

from .forms import InvitationEmailsForm, InvitationLinksForm, RoundForm
from .models import Round
from .selectors import (
    invitation_by_token,
    invitation_get,
    invitation_page,
    participation,
    round_get,
    round_list,
)
from .services import (
    InvitationImportError,
    invitation_revoke,
    invitations_create_anonymous,
    invitations_import,
    round_close,
    round_create,
    round_open,
    round_remind,
    round_reopen,
    round_update,
)

INVALID = 422  # htmx is configured to swap 422 responses, so errors show next to their field
CONFLICT = 409  # the round's state does not allow the action (closed, already open, ...)


@organization_view()
@require_GET
def round_list_view(request: HttpRequest) -> HttpResponse:
    rounds = round_list(organization=request.organization)
    return render(request, "assessments/round_list.html", {"rounds": rounds})


@organization_view(role=Membership.Role.LEAD)
@require_http_methods(["GET", "POST"])
def round_new(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        round = round_create(
            organization=request.organization, by=request.user, fields=dict(form.cleaned_data)
        )
        messages.success(request, "Round created. Invite people, then open it.")
        return redirect_to_participation(request, round)
    status = INVALID if form.errors else 200
    return render(request, "assessments/round_form.html", {"form": form}, status=status)


@organization_view(role=Membership.Role.LEAD)
@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, round_id: UUID) -> HttpResponse:
    round = round_get(organization=request.organization, public_id=round_id)
    form = RoundForm(request.POST or None, instance=round, organization=request.organization)
    status = 200
    if round.status == Round.Status.CLOSED:
        form.add_error(None, "This round is closed: reopen it to change it.")
        status = CONFLICT if request.method == "POST" else 200
    elif request.method == "POST":
        if form.is_valid():
            try:
                round_update(round=round, fields=dict(form.cleaned_data))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Round saved.")
                return redirect_to_participation(request, round)
        status = INVALID
    context = {"form": form, "round": round}
    return render(request, "assessments/round_form.html", context, status=status)


def redirect_to_participation(request: HttpRequest, round: Round) -> HttpResponse:
    return redirect(
        "assessments:round-participation",
        organization_slug=request.organization.slug,
        round_id=round.public_id,
    )


def participation_page(
    request: HttpRequest, round: Round, *, status: int = 200, partial: str = "round-admin", **forms
) -> HttpResponse:
    """The participation page, or one of its parts for htmx, with any bound forms passed in."""
    context = {
        "round": round,
        "participation": participation(round=round),
        "people": None
        if round.anonymous
        else invitation_page(round=round, page=request.GET.get("page")),
        "emails_form": forms.get("emails_form") or InvitationEmailsForm(),
        "links_form": forms.get("links_form") or InvitationLinksForm(),
        "import_problems": forms.get("import_problems", []),
        "new_links": forms.get("new_links", []),
    }
    template = "assessments/round_participation.html"
    if request.htmx:
        template += f"#{partial}"
    return render(request, template, context, status=status)


@organization_view(role=Membership.Role.LEAD)
@require_GET
def round_participation(request: HttpRequest, round_id: UUID) -> HttpResponse:
    """Who has been invited and how far they got. htmx polls the counts while the round is open."""
    round = round_get(organization=request.organization, public_id=round_id)
    partial = "counts" if request.htmx and request.htmx.target == "counts" else "round-admin"
    return participation_page(request, round, partial=partial)


def round_action_done(request: HttpRequest, round: Round, message: str, **forms) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        return participation_page(request, round, **forms)
    return redirect_to_participation(request, round)


def round_action_refused(
    request: HttpRequest, round: Round, error: ValidationError
) -> HttpResponse:
    messages.error(request, " ".join(error.messages))
    if request.htmx:
        return participation_page(request, round, status=CONFLICT)
    return redirect_to_participation(request, round)


def round_state_action(service, message: str):
    @organization_view(role=Membership.Role.LEAD)
    @require_POST
    def view(request: HttpRequest, round_id: UUID) -> HttpResponse:
        round = round_get(organization=request.organization, public_id=round_id)
        try:
            service(round=round)
        except ValidationError as error:
            return round_action_refused(request, round, error)
        return round_action_done(request, round, message)

    return view


round_open_view = round_state_action(round_open, "The round is open: invitations are on their way.")
round_close_view = round_state_action(
    round_close, "The round is closed; results are being computed."
)
round_reopen_view = round_state_action(round_reopen, "The round is open again.")
round_remind_view = round_state_action(round_remind, "Reminders are on their way.")


@organization_view(role=Membership.Role.LEAD)
@require_POST
def invitations_add(request: HttpRequest, round_id: UUID) -> HttpResponse:
    round = round_get(organization=request.organization, public_id=round_id)
    form = InvitationEmailsForm(request.POST)
    problems = []
    if form.is_valid():
        try:
            invitations = invitations_import(round=round, text=form.cleaned_data["emails"])
        except InvitationImportError as error:
            problems = error.problems
            form.add_error("emails", f"Nothing was imported: {len(problems)} line(s) need fixing.")
        except ValidationError as error:
            return round_action_refused(request, round, error)
        else:
            return round_action_done(request, round, f"Invited {len(invitations)} people.")
    return participation_page(
        request, round, status=INVALID, emails_form=form, import_problems=problems
    )


@organization_view(role=Membership.Role.LEAD)
@require_POST
def invitation_links_add(request: HttpRequest, round_id: UUID) -> HttpResponse:
    round = round_get(organization=request.organization, public_id=round_id)
    form = InvitationLinksForm(request.POST)
    if not form.is_valid():
        return participation_page(request, round, status=INVALID, links_form=form)
    try:
        links = invitations_create_anonymous(round=round, count=form.cleaned_data["count"])
    except ValidationError as error:
        return round_action_refused(request, round, error)
    # The links are shown once, right here, for the lead to copy; they are not listed again.
    messages.success(request, f"Made {len(links)} anonymous links.")
    return participation_page(request, round, new_links=links)


@organization_view(role=Membership.Role.LEAD)
@require_POST
def invitation_revoke_view(
    request: HttpRequest, round_id: UUID, invitation_id: UUID
) -> HttpResponse:
    round = round_get(organization=request.organization, public_id=round_id)
    invitation = invitation_get(round=round, public_id=invitation_id)
    invitation_revoke(invitation=invitation)
    return round_action_done(request, round, f"Revoked the invitation of {invitation}.")


@require_GET
def survey(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token=token)
    return render(request, "assessments/survey.html", {"invitation": invitation})
