"""Every organization-scoped URL, walked for every kind of visitor.

A view added under /o/<organization_slug>/ without the tenancy decorator fails here: an
outsider must get 404 (the organization's existence is not confirmed), a member without the
role 403 or 404, for GET and POST alike.
"""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from organizations.tenancy import ROLE_RANK


def organization_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from organization_patterns(pattern, route)
        elif isinstance(pattern, URLPattern) and "<slug:organization_slug>" in route:
            yield route, pattern


def concrete_url(route: str, organization_slug: str, round_id) -> str:
    return "/" + route.replace("<slug:organization_slug>", organization_slug).replace(
        "<uuid:round_id>", str(round_id)
    ).replace("^", "").replace("$", "")


ORGANIZATION_ROUTES = sorted(route for route, _ in organization_patterns())
ROUND_ROUTES = [route for route in ORGANIZATION_ROUTES if "<uuid:round_id>" in route]
ROLE_ROUTES = sorted(
    route
    for route, pattern in organization_patterns()
    if ROLE_RANK[pattern.callback.required_role] > 0
)


def test_there_are_organization_routes_to_walk():
    assert len(ORGANIZATION_ROUTES) >= 3 and ROUND_ROUTES and ROLE_ROUTES


def test_every_organization_view_declares_its_role():
    for route, pattern in organization_patterns():
        assert hasattr(pattern.callback, "required_role"), f"{route} is not tenancy-checked"


@pytest.mark.django_db
@pytest.mark.parametrize("route", ORGANIZATION_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_get_404_everywhere(client, charlie, acme_round, route, method):
    client.force_login(charlie)

    response = getattr(client, method)(concrete_url(route, "acme", acme_round.public_id))

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUND_ROUTES)
def test_a_round_of_another_organization_is_404_even_for_its_owner(
    client, charlie, acme_round, route
):
    client.force_login(charlie)

    response = client.get(concrete_url(route, "globex", acme_round.public_id))

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROLE_ROUTES)
def test_members_without_the_role_are_refused(client, bob, acme_round, route):
    client.force_login(bob)

    response = client.get(concrete_url(route, "acme", acme_round.public_id))

    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("route", ORGANIZATION_ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, acme_round, route):
    url = concrete_url(route, "acme", acme_round.public_id)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_an_unknown_round_id_is_404(client, lena, acme_round):
    client.force_login(lena)

    response = client.get(f"/o/acme/rounds/{uuid.uuid4()}/")

    assert response.status_code == 404
