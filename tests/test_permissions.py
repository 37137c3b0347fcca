"""Every organization-scoped URL, walked for every kind of visitor.

A view added under /o/<organization_slug>/ without the tenancy decorator fails here: an
outsider gets 404 (the organization's existence is not confirmed), a member without the role
403, for GET and POST alike; objects of one organization are 404 under another's URL.
"""

import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from assessments.models import Round
from organizations.models import ROLE_RANK, OrganizationInvitation, User


def organization_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from organization_patterns(pattern, route)
        elif isinstance(pattern, URLPattern) and "<slug:organization_slug>" in route:
            yield route, pattern


PATTERNS = dict(organization_patterns())
ORGANIZATION_ROUTES = sorted(PATTERNS)
OBJECT_ROUTES = [route for route in ORGANIZATION_ROUTES if "<uuid:" in route]
ROLE_ROUTES = [
    route for route in ORGANIZATION_ROUTES if ROLE_RANK[PATTERNS[route].callback.required_role] > 0
]


def concrete_url(route: str, organization_slug: str, ids: dict[str, str]) -> str:
    url = route.replace("<slug:organization_slug>", organization_slug)
    url = re.sub(r"<uuid:(\w+)>", lambda match: ids[match.group(1)], url)
    # The questionnaire every test round uses (tests/conftest.py's `questionnaire`).
    url = url.replace("<slug:questionnaire_slug>", "mlops-readiness").replace("<int:version>", "1")
    assert "<" not in url, f"no test value for a parameter of {route}"
    return "/" + url


def request_as_the_view_expects(client, url):
    """GET, or POST where the view only takes POST, so the check under test is reached."""
    response = client.get(url)
    return client.post(url) if response.status_code == 405 else response


def test_there_are_organization_routes_to_walk():
    assert len(ORGANIZATION_ROUTES) >= 10 and OBJECT_ROUTES and ROLE_ROUTES


def test_every_organization_view_declares_its_role():
    for route, pattern in PATTERNS.items():
        assert hasattr(pattern.callback, "required_role"), f"{route} is not tenancy-checked"


@pytest.mark.django_db
@pytest.mark.parametrize("route", ORGANIZATION_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_get_404_everywhere(client, charlie, acme_ids, route, method):
    client.force_login(charlie)

    response = getattr(client, method)(concrete_url(route, "acme", acme_ids))

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("route", OBJECT_ROUTES)
def test_objects_of_another_organization_are_404_even_for_its_owner(
    client, charlie, acme_ids, route
):
    client.force_login(charlie)

    response = request_as_the_view_expects(client, concrete_url(route, "globex", acme_ids))

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROLE_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_members_without_the_role_are_refused(client, bob, acme_ids, route, method):
    client.force_login(bob)

    response = getattr(client, method)(concrete_url(route, "acme", acme_ids))

    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route", [r for r in ROLE_ROUTES if PATTERNS[r].callback.required_role == "owner"]
)
def test_leads_cannot_manage_people(client, lena, acme_ids, route):
    client.force_login(lena)

    response = client.get(concrete_url(route, "acme", acme_ids))

    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("route", ORGANIZATION_ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, acme_ids, route):
    response = client.get(concrete_url(route, "acme", acme_ids))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("route", OBJECT_ROUTES)
def test_unknown_ids_are_404(client, alice, acme_ids, route):
    client.force_login(alice)
    unknown = {name: str(uuid.uuid4()) for name in acme_ids}

    response = request_as_the_view_expects(client, concrete_url(route, "acme", unknown))

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/o/acme/rounds/{round}/open/", "/o/acme/people/invite/", "/accounts/signup/"]
)
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(alice, acme_round, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(
        path.format(round=acme_round.public_id),
        {"email": "x@acme.example", "role": "lead"},
    )

    assert response.status_code == 403
    assert Round.objects.get().status == "draft"
    assert not OrganizationInvitation.objects.exists()
    assert User.objects.count() == 2  # alice and lena
