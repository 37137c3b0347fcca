"""Reads that cross rows. Each takes the organization first, so tenant filtering lives here."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from organizations.models import Organization

from .models import Invitation, Round


def round_list(*, organization: Organization) -> QuerySet[Round]:
    """Every round of the organization with its participation counts, in one query."""
    return (
        Round.objects.filter(organization=organization)
        .select_related("questionnaire")
        .annotate(
            invited=Count(
                "invitations",
                filter=~Q(invitations__status=Invitation.Status.REVOKED),
                distinct=True,
            ),
            submitted=Count(
                "responses", filter=Q(responses__submitted_at__isnull=False), distinct=True
            ),
        )
        .order_by("-created_at")
    )


def round_get(*, organization: Organization, public_id) -> Round:
    """A round of this organization by public id, or 404, whether or not it exists elsewhere."""
    return get_object_or_404(round_list(organization=organization), public_id=public_id)


def invitation_by_token(*, token: str) -> Invitation:
    """The live invitation behind a token, or 404 for unknown, forged and revoked tokens alike."""
    return get_object_or_404(
        Invitation.objects.select_related("round__organization", "round__questionnaire").exclude(
            status=Invitation.Status.REVOKED
        ),
        token=token,
    )
