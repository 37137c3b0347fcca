import pytest
from django.core import mail

from organizations.models import Membership, OrganizationInvitation, Team, User

HTMX = {"HTTP_HX_REQUEST": "true"}


def snapshot():
    return (
        sorted(Membership.objects.values_list("user__email", "role")),
        sorted(OrganizationInvitation.objects.values_list("email", "role")),
        sorted(Team.objects.values_list("name", flat=True)),
    )


@pytest.mark.django_db
def test_an_owner_invites_a_lead_by_email_after_commit(
    client, alice, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            "/o/acme/people/invite/", {"email": "nina@acme.example", "role": "lead"}, **HTMX
        )

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "Invitation sent to nina@acme.example" in response.content.decode()
    assert len(callbacks) == 1 and len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina@acme.example"]
    assert "/join/" in mail.outbox[0].body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "", "role": "lead"}, "required"),
        ({"email": "nope", "role": "lead"}, "valid email"),
        ({"email": "a" * 300 + "@x.example", "role": "lead"}, "at most 254"),
        ({"email": "new@acme.example", "role": "emperor"}, "not one of the available"),
        ({"email": "BOB@acme.example", "role": "lead"}, "already a member"),
        ({"email": "dup@acme.example", "role": "member"}, "already been invited"),
    ],
    ids=["empty", "malformed", "too-long", "unknown-role", "member", "duplicate"],
)
def test_bad_invitations_are_refused_and_change_nothing(client, alice, bob, data, message):
    OrganizationInvitation.objects.create(
        organization=alice.memberships.get().organization, email="dup@acme.example", role="lead"
    )
    client.force_login(alice)
    before = snapshot()

    response = client.post("/o/acme/people/invite/", data, **HTMX)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert snapshot() == before and mail.outbox == []


@pytest.mark.django_db
def test_the_invitation_link_creates_an_account_and_joins(client, acme, alice):
    invitation = OrganizationInvitation.objects.create(
        organization=acme, email="nina@acme.example", role="lead", invited_by=alice
    )

    response = client.post(
        f"/join/{invitation.token}/",
        {"first_name": "Nina", "password1": "quiet-harbour-77", "password2": "quiet-harbour-77"},
    )

    assert response.status_code == 302 and response["Location"] == "/o/acme/"
    membership = Membership.objects.get(user__email="nina@acme.example")
    assert membership.role == "lead"
    invitation.refresh_from_db()
    assert invitation.is_accepted
    assert client.get(f"/join/{invitation.token}/").status_code == 404


@pytest.mark.django_db
def test_an_existing_account_is_asked_to_log_in_then_attached(client, acme, charlie):
    invitation = OrganizationInvitation.objects.create(
        organization=acme, email="charlie@globex.example", role="member"
    )

    anonymous = client.get(f"/join/{invitation.token}/")
    client.force_login(charlie)
    accepted = client.post(f"/join/{invitation.token}/")

    assert "Log in" in anonymous.content.decode() and "form" not in anonymous.context
    assert accepted.status_code == 302
    assert set(charlie.memberships.values_list("organization__slug", flat=True)) == {
        "acme",
        "globex",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["forged-token-forged-token", "A" * 43])
def test_a_forged_join_token_is_404(client, token):
    assert client.get(f"/join/{token}/").status_code == 404


@pytest.mark.django_db
def test_a_bad_join_form_creates_no_account(client, acme):
    invitation = OrganizationInvitation.objects.create(
        organization=acme, email="nina@acme.example", role="lead"
    )

    response = client.post(
        f"/join/{invitation.token}/", {"first_name": "Nina", "password1": "a", "password2": "b"}
    )

    assert response.status_code == 422
    assert not User.objects.filter(email="nina@acme.example").exists()


@pytest.mark.django_db
def test_an_owner_changes_a_role_and_the_teams_of_someone(client, alice, bob, platform_team):
    client.force_login(alice)
    bob_membership = bob.memberships.get()

    response = client.post(
        f"/o/acme/people/{bob_membership.public_id}/",
        {"role": "lead", "teams": [str(platform_team.public_id)]},
    )

    assert response.status_code == 302
    bob_membership.refresh_from_db()
    assert bob_membership.role == "lead"
    assert list(bob_membership.teams.values_list("name", flat=True)) == ["Platform"]


@pytest.mark.django_db
def test_a_team_of_another_organization_cannot_be_assigned(client, alice, bob, globex):
    foreign = Team.objects.create(organization=globex, name="Foreign")
    client.force_login(alice)
    bob_membership = bob.memberships.get()

    response = client.post(
        f"/o/acme/people/{bob_membership.public_id}/",
        {"role": "lead", "teams": [str(foreign.public_id)]},
    )

    assert response.status_code == 422
    bob_membership.refresh_from_db()
    assert bob_membership.role == "member" and not bob_membership.teams.exists()


@pytest.mark.django_db
def test_the_last_owner_can_be_neither_demoted_nor_removed(client, alice, bob):
    client.force_login(alice)
    own = alice.memberships.get()

    demoted = client.post(f"/o/acme/people/{own.public_id}/", {"role": "member"})
    removed = client.post(f"/o/acme/people/{own.public_id}/remove/", **HTMX)

    assert demoted.status_code == 422 and "at least one owner" in demoted.content.decode()
    assert removed.status_code == 422 and "at least one owner" in removed.content.decode()
    own.refresh_from_db()
    assert own.role == "owner"


@pytest.mark.django_db
def test_removing_someone_with_htmx_returns_the_updated_list(client, alice, bob):
    client.force_login(alice)

    response = client.post(f"/o/acme/people/{bob.memberships.get().public_id}/remove/", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Removed bob@acme.example" in html
    assert not Membership.objects.filter(user=bob).exists()
    assert client.get("/o/acme/people/").status_code == 200


@pytest.mark.django_db
def test_removing_without_javascript_redirects_back(client, alice, bob):
    client.force_login(alice)

    response = client.post(f"/o/acme/people/{bob.memberships.get().public_id}/remove/")

    assert response.status_code == 302 and response["Location"] == "/o/acme/people/"


@pytest.mark.django_db
def test_teams_are_created_and_renamed_uniquely(client, alice, platform_team):
    client.force_login(alice)

    created = client.post("/o/acme/teams/new/", {"name": "Search"}, **HTMX)
    duplicate = client.post("/o/acme/teams/new/", {"name": "Platform"}, **HTMX)
    empty = client.post("/o/acme/teams/new/", {"name": ""}, **HTMX)
    renamed = client.post(f"/o/acme/teams/{platform_team.public_id}/", {"name": "Infra"})
    clash = client.post(f"/o/acme/teams/{platform_team.public_id}/", {"name": "Search"})

    assert created.status_code == 200
    assert duplicate.status_code == 422 and "already a team called Platform" in (
        duplicate.content.decode()
    )
    assert empty.status_code == 422
    assert renamed.status_code == 302
    assert clash.status_code == 422
    assert sorted(Team.objects.values_list("name", flat=True)) == ["Infra", "Search"]


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 40])
def test_the_people_page_costs_the_same_queries_for_few_or_many(
    client, alice, acme, count, django_assert_num_queries
):
    """Guards the N+1 of each member's user and teams."""
    team = Team.objects.create(organization=acme, name="Search")
    for number in range(count):
        user = User.objects.create_user(email=f"p{number}@acme.example")
        Membership.objects.create(user=user, organization=acme).teams.add(team)
        OrganizationInvitation.objects.create(
            organization=acme, email=f"i{number}@acme.example", role="member"
        )
    client.force_login(alice)

    # session, user, membership; members, their teams, invitations, teams
    with django_assert_num_queries(7):
        response = client.get("/o/acme/people/")

    assert response.status_code == 200
