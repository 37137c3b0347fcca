"""Writes about organizations, their people and teams."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
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
    """A new organization owned by `owner`; at most ORGANIZATIONS_PER_DAY a day per account,
    since each organization has a daily cap of invitations of its own."""
    made_today = Membership.objects.filter(
        user=owner,
        role=Membership.Role.OWNER,
        created_at__gte=timezone.now() - timedelta(days=1),
    ).count()
    if made_today >= settings.ORGANIZATIONS_PER_DAY:
        raise ValidationError(
            f"You created {made_today} organizations in the last 24 hours, the most a day: "
            "create the next one tomorrow."
        )
    organization = Organization.objects.create(name=name, slug=unique_organization_slug(name))
    Membership.objects.create(user=owner, organization=organization, role=Membership.Role.OWNER)
    return organization


@transaction.atomic
def user_signup(*, email: str, password: str, first_name: str, organization_name: str) -> None:
    """Start an account, the same way whether or not the address has one, so signing up never
    tells anyone which addresses do: a new address gets its account, its first organization
    (owned by it) and a link to confirm the address; an address with an account gets a note
    saying so, which only its owner reads."""
    from .tasks import account_exists_email_task, email_confirmation_send_task

    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        make_password(password)  # the work a new account costs: the timing tells nothing either
        transaction.on_commit(lambda: account_exists_email_task.delay(existing.pk))
        return
    user = User.objects.create_user(email=email, password=password, first_name=first_name)
    organization_create(name=organization_name, owner=user)
    transaction.on_commit(lambda: email_confirmation_send_task.delay(user.pk))


def email_confirmation_request(*, user: User) -> None:
    """Send the link that confirms `user`'s address (again)."""
    from .tasks import email_confirmation_send_task

    if not user.email_confirmed:
        transaction.on_commit(lambda: email_confirmation_send_task.delay(user.pk))


def email_confirm(*, user: User) -> User:
    if not user.email_confirmed:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    return user


def ensure_can_send_mail(user: User) -> None:
    """Nothing sends email for someone whose address is not confirmed: otherwise anyone could
    sign up with any address and use the app to mail thousands of strangers."""
    if not user.email_confirmed:
        raise ValidationError(
            f"Confirm your email address first: follow the link we sent to {user.email}. "
            "Until then nothing you do sends email."
        )


@transaction.atomic
def organization_invitation_create(
    *, organization: Organization, email: str, role: Membership.Role, by: User
) -> OrganizationInvitation:
    """Invite someone by email; the email is sent by a task once the invitation is saved."""
    from .tasks import organization_invitation_send_task

    ensure_can_send_mail(by)
    ensure_daily_invitations_left(organization=organization, adding=1)
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
    """A new account for the invited email, member of the inviting organization. Two posts
    at once (a double click) make one account: the second is told to log in."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=invitation.email,
                password=password,
                first_name=first_name,
                # The invitation reached this address: following its link confirms it.
                email_confirmed_at=timezone.now(),
            )
    except IntegrityError as error:
        raise ValidationError(
            f"There is already an account for {invitation.email}: log in to accept."
        ) from error
    return user, organization_invitation_accept(invitation=invitation, user=user)


def ensure_daily_invitations_left(
    *, organization: Organization, adding: int, also_sent: int = 0
) -> None:
    """Refuse invitations by email past INVITATIONS_PER_DAY for the organization in 24 hours.
    `also_sent` is what the calling app sent that this one cannot count (the rounds'
    invitations, counted in assessments, which sits above this app)."""
    # Counted and added one request at a time (assessments locks the row first too).
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    since = timezone.now() - timedelta(days=1)
    sent = (
        also_sent
        + OrganizationInvitation.objects.filter(
            organization=organization, created_at__gte=since
        ).count()
    )
    cap = settings.INVITATIONS_PER_DAY
    if sent + adding > cap:
        left = max(cap - sent, 0)
        raise ValidationError(
            f"{organization.name} can invite {left} more people by email today: at most {cap} "
            "a day, so the app cannot be used to mail strangers in bulk. Invite the rest "
            "tomorrow, or make anonymous links to hand out."
        )


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
