from http import HTTPStatus
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.ratelimits import posts_limited, token_misses_limited

from .forms import (
    JoinForm,
    MembershipTeamsForm,
    OrganizationForm,
    OrganizationInvitationForm,
    RoleForm,
    SignupForm,
    TeamForm,
)
from .models import Membership, User
from .selectors import (
    membership_get,
    membership_list,
    open_invitation_by_token,
    pending_invitation_list,
    team_get,
    user_by_confirmation,
)
from .services import (
    email_confirm,
    email_confirmation_request,
    membership_change_role,
    membership_remove,
    membership_set_teams,
    organization_create,
    organization_invitation_accept,
    organization_invitation_create,
    team_create,
    team_rename,
    user_join,
    user_signup,
)
from .tenancy import organization_view

# Strangers' posts that make the app send an email.
signup_limited = posts_limited("signup", "10/h")
confirmation_resend_limited = posts_limited("confirmation-resend", "5/h")


def add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@signup_limited
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """The same answer whether or not the address has an account (see user_signup): check
    your email."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_signup(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            organization_name=form.cleaned_data["organization_name"],
        )
        context = {"email": form.cleaned_data["email"]}
        return render(request, "organizations/signup_sent.html", context)
    status = HTTPStatus.UNPROCESSABLE_ENTITY if form.errors else 200
    return render(request, "organizations/signup.html", {"form": form}, status=status)


@never_cache
@require_GET
def email_confirm_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link of the confirmation email. It confirms the address and nothing else: the
    person logs in as usual, so a link that leaked lets nobody in."""
    user = user_by_confirmation(uidb64=uidb64, token=token)
    if user is None:
        context = {"expired": True}
        return render(
            request, "organizations/email_confirmed.html", context, status=HTTPStatus.NOT_FOUND
        )
    email_confirm(user=user)
    return render(request, "organizations/email_confirmed.html", {"confirmed_email": user.email})


@login_required
@confirmation_resend_limited
@require_POST
def email_confirmation_send(request: HttpRequest) -> HttpResponse:
    email_confirmation_request(user=request.user)
    messages.success(request, f"We sent a new link to {request.user.email}.")
    return redirect("home")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def organization_new(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = organization_create(name=form.cleaned_data["name"], owner=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect("assessments:round-list", organization_slug=organization.slug)
    status = HTTPStatus.UNPROCESSABLE_ENTITY if form.errors else 200
    return render(request, "organizations/organization_new.html", {"form": form}, status=status)


@never_cache
@token_misses_limited
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation to an organization: as the logged-in user, or by creating the
    account for the invited email. Someone with an account logs in first and comes back here."""
    invitation = open_invitation_by_token(token=token)
    organization_home = redirect(
        "assessments:round-list", organization_slug=invitation.organization.slug
    )
    if request.user.is_authenticated:
        if not invitation.is_for(request.user):
            # The link stays valid for the person it was sent to.
            context = {"invitation": invitation, "someone_else": True}
            return render(request, "organizations/join.html", context, status=HTTPStatus.FORBIDDEN)
        if request.method == "POST":
            organization_invitation_accept(invitation=invitation, user=request.user)
            return organization_home
        return render(request, "organizations/join.html", {"invitation": invitation})

    if User.objects.filter(email__iexact=invitation.email).exists():
        context = {"invitation": invitation, "existing_account": True}
        return render(request, "organizations/join.html", context)

    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, _ = user_join(
                invitation=invitation,
                first_name=form.cleaned_data["first_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return organization_home
    status = HTTPStatus.UNPROCESSABLE_ENTITY if form.errors else 200
    context = {"invitation": invitation, "form": form}
    return render(request, "organizations/join.html", context, status=status)


def people_page(request: HttpRequest, *, status: int = 200, **forms) -> HttpResponse:
    """The people page, or only its #people part for htmx, with any bound forms passed in."""
    organization = request.organization
    context = {
        "memberships": membership_list(organization=organization),
        "invitations": pending_invitation_list(organization=organization),
        "teams": organization.teams.all(),
        "invite_form": forms.get("invite_form") or OrganizationInvitationForm(),
        "team_form": forms.get("team_form") or TeamForm(),
    }
    template = "organizations/people.html"
    if request.htmx:
        template += "#people"
    return render(request, template, context, status=status)


def people_done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        return people_page(request)
    return redirect("organizations:people", organization_slug=request.organization.slug)


@organization_view(role=Membership.Role.OWNER)
@require_http_methods(["GET"])
def people(request: HttpRequest) -> HttpResponse:
    return people_page(request)


@organization_view(role=Membership.Role.OWNER)
@require_POST
def people_invite(request: HttpRequest) -> HttpResponse:
    form = OrganizationInvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = organization_invitation_create(
                organization=request.organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return people_done(request, f"Invitation sent to {invitation.email}.")
    return people_page(request, status=HTTPStatus.UNPROCESSABLE_ENTITY, invite_form=form)


@organization_view(role=Membership.Role.OWNER)
@require_http_methods(["GET", "POST"])
def person(request: HttpRequest, membership_id: UUID) -> HttpResponse:
    """One person's role and teams."""
    membership = membership_get(organization=request.organization, public_id=membership_id)
    role_form = RoleForm(initial={"role": membership.role})
    teams_form = MembershipTeamsForm(
        organization=request.organization, initial={"teams": membership.teams.all()}
    )
    status = 200
    if request.method == "POST":
        role_form = RoleForm(request.POST)
        teams_form = MembershipTeamsForm(request.POST, organization=request.organization)
        if role_form.is_valid() and teams_form.is_valid():
            try:
                membership_change_role(membership=membership, role=role_form.cleaned_data["role"])
            except ValidationError as error:
                add_errors(role_form, error)
            else:
                membership_set_teams(
                    membership=membership, teams=list(teams_form.cleaned_data["teams"])
                )
                messages.success(request, f"Saved {membership.user.email}.")
                return redirect("organizations:people", organization_slug=request.organization.slug)
        status = HTTPStatus.UNPROCESSABLE_ENTITY
    context = {"person": membership, "role_form": role_form, "teams_form": teams_form}
    return render(request, "organizations/person.html", context, status=status)


@organization_view(role=Membership.Role.OWNER)
@require_POST
def person_remove(request: HttpRequest, membership_id: UUID) -> HttpResponse:
    membership = membership_get(organization=request.organization, public_id=membership_id)
    try:
        membership_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        if request.htmx:
            return people_page(request, status=HTTPStatus.UNPROCESSABLE_ENTITY)
        return redirect("organizations:people", organization_slug=request.organization.slug)
    if membership.user_id == request.user.pk:
        # Having left, the owner can no longer see this organization.
        return (HttpResponseClientRedirect if request.htmx else redirect)("/")
    return people_done(request, f"Removed {membership.user.email}.")


@organization_view(role=Membership.Role.OWNER)
@require_POST
def team_new(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = team_create(organization=request.organization, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            return people_done(request, f"Team {team.name} created.")
    return people_page(request, status=HTTPStatus.UNPROCESSABLE_ENTITY, team_form=form)


@organization_view(role=Membership.Role.OWNER)
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, team_id: UUID) -> HttpResponse:
    team = team_get(organization=request.organization, public_id=team_id)
    form = TeamForm(request.POST or None, initial={"name": team.name})
    if request.method == "POST" and form.is_valid():
        try:
            team_rename(team=team, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Renamed to {team.name}.")
            return redirect("organizations:people", organization_slug=request.organization.slug)
    status = HTTPStatus.UNPROCESSABLE_ENTITY if form.errors else 200
    return render(
        request, "organizations/team_edit.html", {"team": team, "form": form}, status=status
    )
