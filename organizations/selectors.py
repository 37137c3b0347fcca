from .models import Organization, User


def user_organizations(*, user: User) -> list[Organization]:
    return list(Organization.objects.filter(memberships__user=user).order_by("name"))
