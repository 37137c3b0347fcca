"""Writes about organizations, their people and teams."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from .models import ROLE_RANK, Membership, Organization, OrganizationInvitation, Team, User

SLUG_MAX_LENGTH = Organization._meta.get_field("slug").max_length


def unique_organization_slug(name: str) -> str:
    base = slugify(name)[: SLUG_MAX_LENGTH - 6] or "organization"
    slug, number = base, 1
    while Organization.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def organization_create(*, name: str, owner: User) -> Organization:
    organization = Organization.objects.create(name=name, slug=unique_organization_slug(name))
    Membership.objects.create(user=owner, organization=organization, role=Membership.Role.OWNER)
    return organization


@transaction.atomic
def user_signup(
    *, email: str, password: str, first_name: str, organization_name: str
) -> tuple[User, Organization]:
    """A new account and its first organization, owned by it."""
    user = User.objects.create_user(email=email, password=password, first_name=first_name)
    return user, organization_create(name=organization_name, owner=user)


@transaction.atomic
def organization_invitation_create(
    *, organization: Organization, email: str, role: Membership.Role, by: User
) -> OrganizationInvitation:
    """Invite someone by email; the email is sent by a task once the invitation is saved."""
    from .tasks import organization_invitation_send_task

    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {organization.name}."})
    try:
        with transaction.atomic():
            invitation = OrganizationInvitation.objects.create(
                organization=organization, email=email, role=role, invited_by=by
            )
    except IntegrityError as error:
        raise ValidationError({"email": f"{email} has already been invited."}) from error
    transaction.on_commit(lambda: organization_invitation_send_task.delay(invitation.pk))
    return invitation


@transaction.atomic
def organization_invitation_accept(*, invitation: OrganizationInvitation, user: User) -> Membership:
    """Attach the organization to `user` with the invited role. Accepting twice is harmless;
    an existing membership keeps the higher of its role and the invited one. Only the account
    with the invited email may accept: a link forwarded, or opened by whoever is logged in on
    a shared machine, must not make someone else a lead."""
    if not invitation.is_for(user):
        raise ValidationError(f"This invitation is for {invitation.email}, not {user.email}.")
    invitation = OrganizationInvitation.objects.select_for_update().get(pk=invitation.pk)
    membership, created = Membership.objects.get_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role}
    )
    if not created and ROLE_RANK[invitation.role] > ROLE_RANK[membership.role]:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    if invitation.accepted_at is None:
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def user_join(
    *, invitation: OrganizationInvitation, first_name: str, password: str
) -> tuple[User, Membership]:
    """A new account for the invited email, member of the inviting organization."""
    user = User.objects.create_user(
        email=invitation.email, password=password, first_name=first_name
    )
    return user, organization_invitation_accept(invitation=invitation, user=user)


def ensure_another_owner_remains(membership: Membership) -> None:
    others = Membership.objects.filter(
        organization_id=membership.organization_id, role=Membership.Role.OWNER
    ).exclude(pk=membership.pk)
    if membership.role == Membership.Role.OWNER and not others.exists():
        raise ValidationError(
            "An organization needs at least one owner: make someone else owner first."
        )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: Membership.Role) -> Membership:
    # Lock the owners so two owners demoting each other at once cannot leave none.
    list(
        Membership.objects.select_for_update().filter(
            organization_id=membership.organization_id, role=Membership.Role.OWNER
        )
    )
    if role != Membership.Role.OWNER:
        ensure_another_owner_remains(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    list(
        Membership.objects.select_for_update().filter(
            organization_id=membership.organization_id, role=Membership.Role.OWNER
        )
    )
    ensure_another_owner_remains(membership)
    membership.delete()


def team_create(*, organization: Organization, name: str) -> Team:
    try:
        with transaction.atomic():
            return Team.objects.create(organization=organization, name=name)
    except IntegrityError as error:
        raise ValidationError({"name": f"There is already a team called {name}."}) from error


def team_rename(*, team: Team, name: str) -> Team:
    team.name = name
    try:
        with transaction.atomic():
            team.save(update_fields=["name"])
    except IntegrityError as error:
        raise ValidationError({"name": f"There is already a team called {name}."}) from error
    return team


@transaction.atomic
def membership_set_teams(*, membership: Membership, teams: list[Team]) -> Membership:
    if any(team.organization_id != membership.organization_id for team in teams):
        raise ValidationError("Teams must belong to the same organization.")
    membership.teams.set(teams)
    return membership
