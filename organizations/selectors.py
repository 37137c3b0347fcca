from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.http import urlsafe_base64_decode

from .confirmation import email_confirmation_tokens
from .models import Membership, Organization, OrganizationInvitation, Team, User


def user_organizations(*, user: User) -> list[Organization]:
    return list(Organization.objects.filter(memberships__user=user).order_by("name"))


def membership_list(*, organization: Organization) -> QuerySet[Membership]:
    """Everyone in the organization with their teams, in two queries however many there are."""
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("user__email")
    )


def membership_get(*, organization: Organization, public_id) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), organization=organization, public_id=public_id
    )


def pending_invitation_list(*, organization: Organization) -> QuerySet[OrganizationInvitation]:
    return OrganizationInvitation.objects.filter(
        organization=organization, accepted_at__isnull=True
    ).order_by("email")


def team_get(*, organization: Organization, public_id) -> Team:
    return get_object_or_404(Team, organization=organization, public_id=public_id)


def open_invitation_by_token(*, token: str) -> OrganizationInvitation:
    return get_object_or_404(
        OrganizationInvitation.objects.select_related("organization"),
        token=token,
        accepted_at__isnull=True,
    )


def user_by_confirmation(*, uidb64: str, token: str) -> User | None:
    """The account a confirmation link is for, or None for a forged, spent or expired one."""
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64)))
    except (ValueError, OverflowError, User.DoesNotExist):
        return None
    return user if email_confirmation_tokens.check_token(user, token) else None
