import re

import pytest
from django.core import mail

from organizations.models import Membership, Organization, User

SIGNUP = {
    "first_name": "Olga",
    "email": "olga@orbit.example",
    "organization_name": "Orbit Labs",
    "password1": "ordinary-lantern-42",
    "password2": "ordinary-lantern-42",
}


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Organization.objects.count(), Membership.objects.count()


@pytest.mark.django_db
def test_signing_up_creates_the_account_and_an_organization_it_owns(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 200 and "Check your email" in response.content.decode()
    membership = Membership.objects.select_related("user", "organization").get()
    assert (membership.user.email, membership.organization.name, membership.role) == (
        "olga@orbit.example",
        "Orbit Labs",
        "owner",
    )
    assert not membership.user.email_confirmed
    (confirmation,) = mail.outbox
    link = re.search(r"http://\S+(/accounts/confirm/\S+/)", confirmation.body).group(1)
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 404  # spent
    membership.user.refresh_from_db()
    assert membership.user.email_confirmed
    client.post("/accounts/login/", {"username": SIGNUP["email"], "password": SIGNUP["password1"]})
    assert client.get("/o/orbit-labs/").status_code == 200


@pytest.mark.django_db
def test_two_organizations_with_one_name_get_distinct_addresses(client, acme):
    client.post("/accounts/signup/", SIGNUP | {"organization_name": "Acme"})

    assert sorted(Organization.objects.values_list("slug", flat=True)) == ["acme", "acme-2"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"password1": "123", "password2": "123"}, "password1", "too short"),
        ({"password2": "something-else-42"}, "password2", "didn\u2019t match"),
        ({"organization_name": ""}, "organization_name", "required"),
        ({"organization_name": "x" * 201}, "organization_name", "at most 200"),
        ({"first_name": "y" * 1_000_000}, "first_name", "at most 150"),
    ],
    ids=["malformed", "weak", "mismatch", "no-org", "org-too-long", "name-1MB"],
)
def test_bad_sign_ups_are_refused_next_to_the_field(client, alice, change, field, message):
    before = counts()

    response = client.post("/accounts/signup/", SIGNUP | change)

    assert response.status_code == 422
    assert any(message in error for error in response.context["form"].errors[field])
    assert counts() == before


@pytest.mark.django_db
def test_log_in_with_email_and_out(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice@acme.example", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert client.get("/o/acme/").status_code == 200

    client.post("/accounts/logout/")
    assert client.get("/o/acme/").status_code == 302


@pytest.mark.django_db
def test_a_wrong_password_is_refused(client, alice):
    response = client.post("/accounts/login/", {"username": "alice@acme.example", "password": "x"})

    assert response.status_code == 200
    assert "correct email" in response.content.decode().replace("Email", "email")


@pytest.mark.django_db
def test_password_reset_mails_a_working_link(client, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the worker sends it
        response = client.post("/accounts/password_reset/", {"email": "alice@acme.example"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    path = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(path, follow=True)
    new_password = "quiet-harbour-77"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    assert (
        client.post(
            "/accounts/login/", {"username": "alice@acme.example", "password": new_password}
        ).status_code
        == 302
    )


@pytest.mark.django_db
def test_password_change(client, alice):
    client.force_login(alice)

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "correct horse battery",
            "new_password1": "quiet-harbour-77",
            "new_password2": "quiet-harbour-77",
        },
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("quiet-harbour-77")


@pytest.mark.django_db
def test_a_signed_in_user_can_start_another_organization_and_switch(client, alice):
    client.force_login(alice)

    client.post("/organizations/new/", {"name": "Side project"})
    home = client.get("/")

    assert [org.name for org in home.context["organizations"]] == ["Acme", "Side project"]
