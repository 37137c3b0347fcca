"""Hypothesis drives every POST endpoint with random fields and values: the answer is a 2xx, 3xx
or 4xx, never a 5xx, and every row left in the database still passes its model's validation."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Invitation, Round
from organizations.models import OrganizationInvitation
from tests.test_permissions import ORGANIZATION_ROUTES, concrete_url

EXAMPLES_PER_ENDPOINT = 30
# The fields the forms of the app read, so that random values reach the code behind them.
KNOWN_FIELDS = [
    "title",
    "teams",
    "questionnaire",
    "score_threshold",
    "comment_threshold",
    "opens_at",
    "closes_at",
    "anonymous",
    "shared_with_members",
    "emails",
    "count",
    "team",
    "email",
    "role",
    "name",
    "page_size",
    "action",
    "password1",
    "password2",
    "monitoring-drift",
    "goals-kpis",
    "context-obstacle",
    "fit-production",
    "username",
    "password",
    "organization_name",
]
VALUES = st.one_of(
    st.text(max_size=60),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.sampled_from(["", "0", "1", "4", "dont-know", "A4", "letter", "submit", "-1", "1e999"]),
    st.sampled_from(["00000000-0000-0000-0000-000000000000", "x" * 100_000, "\x00", "'; --"]),
    # NUL inside text, values one past a column's length, a header injection
    st.text(max_size=20).map(lambda text: f"{text}\x00{text}"),
    st.sampled_from(
        ["a" * 201, "a" * 243 + "@example.com", "a" * 256, "Q1\r\nBcc: x@evil.example"]
    ),
)
FORMS = st.dictionaries(
    st.one_of(st.sampled_from(KNOWN_FIELDS), st.text(min_size=1, max_size=12)),
    st.one_of(VALUES, st.lists(VALUES, max_size=3)),
    max_size=6,
)
# Beside the organization's routes, posted by its owner: the respondent's and the stranger's,
# posted by someone not signed in.
PUBLIC_ROUTES = [
    "accounts/login/",
    "accounts/signup/",
    "accounts/password_reset/",
    "r/{token}/",
    "r/{token}/answers/monitoring-drift/",
    "r/{token}/answers/goals-kpis/",
    "join/{join_token}/",
]


def invalid_rows() -> list[str]:
    problems = []
    for model in apps.get_models():
        if model._meta.app_label not in {"organizations", "assessments", "reports"}:
            continue
        for row in model.objects.all():
            try:
                row.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                problems.append(f"{model.__name__} {row.pk}: {error}")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("route", ORGANIZATION_ROUTES + PUBLIC_ROUTES)
def test_random_posts_never_get_a_5xx_and_leave_only_valid_rows(client, alice, acme_ids, route):
    acme_round = Round.objects.get(public_id=acme_ids["round_id"])
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    token = Invitation.objects.create(round=acme_round).token
    join_token = OrganizationInvitation.objects.create(
        organization=acme_round.organization,
        email="newcomer@acme.example",
        role="member",
        invited_by=alice,
    ).token
    if route in PUBLIC_ROUTES:
        url = "/" + route.format(token=token, join_token=join_token)
    else:
        url = concrete_url(route, "acme", acme_ids)
        client.force_login(alice)

    @settings(
        max_examples=EXAMPLES_PER_ENDPOINT,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(form=FORMS)
    def post(form):
        response = client.post(url, form, headers={"HX-Request": "true"})
        assert response.status_code < 500, (url, form, response.status_code)

    post()
    assert invalid_rows() == []
