"""Accounts and abuse (issue 15): each attack that worked against the app in production
settings, written as the attack."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from organizations.models import Organization
from tests.test_security import from_address


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()


def main(response) -> str:
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def login(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, **from_address(address)
    )


@pytest.mark.django_db
def test_a_locked_account_stays_locked_whatever_the_case_of_its_email(client, alice):
    """After 5 failures `alice@…` was locked, but `Alice@…` logged in with the right password,
    and each case variant got 5 fresh tries."""
    for variant in ["alice@acme.example", "ALICE@acme.example", "Alice@Acme.example"] * 2:
        login(client, variant, "wrong")

    locked = login(client, "aLiCe@ACME.example", "correct horse battery")

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_failures_from_many_addresses_lock_the_account_briefly_with_the_same_answer(
    client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    """A per-account limit a guesser with many addresses cannot escape; checked before the
    password, so a right one gets the same 429 as a wrong one."""
    for n in range(10):
        assert login(client, alice.email, "wrong", f"10.1.0.{n}").status_code == 200

    right = login(client, alice.email, "correct horse battery", "10.2.0.1")
    wrong = login(client, alice.email, "still wrong", "10.2.0.2")
    with django_capture_on_commit_callbacks(execute=True):
        reset = client.post(
            "/accounts/password_reset/", {"email": alice.email}, **from_address("10.2.0.3")
        )

    assert (right.status_code, wrong.status_code) == (429, 429)
    assert main(right) == main(wrong)
    assert reset.status_code == 302 and len(mailoutbox) == 1  # the way back in still works
    assert login(client, "someone.else@acme.example", "x", "10.2.0.4").status_code == 200


@pytest.mark.django_db
def test_the_admin_has_no_login_form_of_its_own(client, alice):
    """/admin/login/ had no rate limit, and answered a non-staff account's right password
    differently from a wrong one."""
    page = client.get("/admin/login/?next=/admin/")
    right = client.post(
        "/admin/login/", {"username": alice.email, "password": "correct horse battery"}
    )
    wrong = client.post("/admin/login/", {"username": alice.email, "password": "wrong"})

    assert page.status_code == 302 and page["Location"] == "/accounts/login/?next=/admin/"
    assert (right.status_code, right["Location"]) == (wrong.status_code, wrong["Location"])
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("length", [255, 256, 1_000, 1_000_000])
def test_an_overlong_username_is_refused_with_the_form(client, length):
    response = login(client, "a" * length + "@example.com", "x")

    assert response.status_code == 200
    assert "Ensure this value has at most 254 characters" in response.content.decode()


@pytest.mark.django_db
def test_a_join_link_works_only_for_the_invited_email(client, alice, bob, globex, charlie):
    """A member of one organization opened another's join link, meant for someone else, and
    became a lead there; the invited person's link was then spent."""
    from organizations.models import Membership, OrganizationInvitation, User

    invitation = OrganizationInvitation.objects.create(
        organization=globex, email="Invited@Globex.example", role="lead", invited_by=charlie
    )
    client.force_login(bob)

    page = client.get(f"/join/{invitation.token}/")
    taken = client.post(f"/join/{invitation.token}/")

    assert page.status_code == taken.status_code == 403
    assert "This invitation is for <strong>Invited@Globex.example</strong>" in page.content.decode()
    assert not Membership.objects.filter(user=bob, organization=globex).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    invited = User.objects.create_user(
        email="invited@globex.example", password="correct horse battery"
    )
    client.force_login(invited)
    assert client.post(f"/join/{invitation.token}/").status_code == 302
    assert Membership.objects.get(user=invited, organization=globex).role == "lead"


@pytest.fixture
def open_invitation(acme_round):
    from assessments.models import Invitation, Round

    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    return Invitation.objects.create(round=acme_round, email="ana@acme.example")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["direct", "looked-up", "survey form"])
def test_a_nul_byte_in_free_text_is_refused_on_every_save_path(client, open_invitation, path):
    """PostgreSQL rejected it in the raw upsert: a 500."""
    from assessments.models import Answer
    from assessments.services import answer_targets

    text = "Slow\x00reviews"
    url = f"/r/{open_invitation.token}/"
    if path == "survey form":
        response = client.post(url + "s/context/", {"context-obstacle": text})
    else:
        answer_targets.clear()
        if path == "direct":  # a token saved before is saved without looking it up
            client.post(url + "answers/monitoring-drift/", {"monitoring-drift": "2"})
        response = client.post(url + "answers/context-obstacle/", {"context-obstacle": text})

    assert response.status_code == 422
    assert "invisible NUL character" in response.content.decode()
    assert not Answer.objects.filter(question__key="context-obstacle").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/o/acme/rounds/new/", "title"),
        ("/o/acme/teams/new/", "name"),
        ("/organizations/new/", "name"),
    ],
)
def test_a_line_break_in_a_name_or_title_is_refused(client, lena, alice, questionnaire, url, field):
    """A line break in an organization name or round title made every invitation email fail
    for good (BadHeaderError), while the lead was told they were on their way."""
    from assessments.models import Round
    from organizations.models import Organization, Team

    client.force_login(alice)
    form = {field: "Q1\r\nBcc: everyone@example.com", "questionnaire": questionnaire.pk}
    form |= {"score_threshold": 5, "comment_threshold": 10}

    response = client.post(url, form)

    assert response.status_code == 422
    assert "no line breaks, tabs or invisible characters" in response.content.decode()
    assert not Round.objects.exists() and not Team.objects.exists()
    assert Organization.objects.count() == 1


@pytest.mark.django_db
def test_an_old_title_with_a_line_break_still_makes_a_sendable_email(open_invitation):
    from assessments.models import Round
    from assessments.tasks import invitation_email

    Round.objects.filter(pk=open_invitation.round_id).update(title="Q1\r\nBcc: x@evil.example")
    open_invitation.refresh_from_db()

    message = invitation_email(open_invitation, template="emails/invitation.txt").message()

    assert message["Subject"] == "Acme: Q1 Bcc: x@evil.example"
    assert message["Bcc"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/o/acme/",
        "/o/acme/people/",
        "/o/acme/rounds/{round}/",
        "/o/acme/rounds/{round}/participation/",
        "/o/acme/rounds/{round}/results.json",
        "/o/acme/rounds/{round}/report/",
        "/r/{token}/",
        "/r/{token}/thanks/",
    ],
)
def test_sensitive_pages_are_never_cached(client, alice, open_invitation, url):
    """Dashboards, exports and the survey (with the respondent's saved answers) carried no
    Cache-Control: a shared browser or proxy could keep them."""
    client.force_login(alice)

    response = client.get(
        url.format(round=open_invitation.round.public_id, token=open_invitation.token)
    )

    assert "no-store" in response["Cache-Control"], response.status_code


@pytest.mark.django_db
def test_an_answer_save_is_never_cached(client, open_invitation):
    response = client.post(
        f"/r/{open_invitation.token}/answers/monitoring-drift/", {"monitoring-drift": "2"}
    )

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_signing_up_never_says_whether_an_address_has_an_account(
    client, alice, django_capture_on_commit_callbacks
):
    """Signup said "An account with this email already exists": anyone could test addresses."""
    form = {
        "first_name": "Eve",
        "organization_name": "Probe",
        "password1": "ordinary-lantern-42",
        "password2": "ordinary-lantern-42",
    }
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post("/accounts/signup/", form | {"email": "ALICE@acme.example"})
        free = client.post("/accounts/signup/", form | {"email": "nobody@acme.example"})

    assert taken.status_code == free.status_code == 200
    assert main(taken).replace("ALICE@acme.example", "X") == main(free).replace(
        "nobody@acme.example", "X"
    )
    to_alice, to_nobody = sorted(mail.outbox, key=lambda message: message.to[0])
    assert to_alice.to == ["alice@acme.example"] and "already have an account" in to_alice.body
    assert "confirm" in to_nobody.body
    assert not Organization.objects.filter(name="Probe", memberships__user=alice).exists()


@pytest.mark.django_db
def test_signup_is_rate_limited_per_address(client):
    statuses = [
        client.post(
            "/accounts/signup/", {"email": f"s{n}@x.example"}, **from_address("10.9.0.1")
        ).status_code
        for n in range(11)
    ]

    assert statuses == [422] * 10 + [429]


@pytest.mark.django_db
def test_nothing_mails_for_an_unconfirmed_account(client, acme, acme_round, questionnaire):
    """Anyone could sign up with no confirmed address, paste 10,000 addresses and press send."""
    from assessments.models import Invitation, Round
    from organizations.models import Membership, User

    stranger = User.objects.create_user(email="new@acme.example", password="x")
    Membership.objects.create(user=stranger, organization=acme, role="owner")
    client.force_login(stranger)
    url = f"/o/acme/rounds/{acme_round.public_id}/"

    htmx = {"HX-Request": "true"}
    draft_import = client.post(url + "invitations/", {"emails": "a@x.example"}, headers=htmx)
    opened = client.post(url + "open/", headers=htmx)
    still_draft = Round.objects.get(pk=acme_round.pk).status == Round.Status.DRAFT
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    more = client.post(url + "invitations/", {"emails": "b@x.example"}, headers=htmx)
    reminded = client.post(url + "remind/", headers=htmx)

    invited = client.post("/o/acme/people/invite/", {"email": "c@x.example", "role": "lead"})

    assert draft_import.status_code == 200  # saved, not sent: a draft sends nothing
    assert opened.status_code == 409 and still_draft
    assert "Confirm your email address first" in opened.content.decode()
    assert more.status_code == reminded.status_code == 409
    assert invited.status_code == 422
    assert "Confirm your email address first" in invited.content.decode()
    assert len(mail.outbox) == 0
    assert list(Invitation.objects.values_list("email", flat=True)) == ["a@x.example"]


@pytest.mark.django_db
def test_an_organization_invites_at_most_the_daily_cap_by_email(
    client, lena, alice, acme_round, settings
):
    from assessments.models import Invitation, Round

    settings.INVITATIONS_PER_DAY = 5
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    client.force_login(lena)
    url = f"/o/acme/rounds/{acme_round.public_id}/invitations/"

    first = client.post(url, {"emails": "\n".join(f"p{n}@x.example" for n in range(4))})
    over = client.post(
        url, {"emails": "q1@x.example\nq2@x.example"}, headers={"HX-Request": "true"}
    )
    client.force_login(alice)
    last = client.post("/o/acme/people/invite/", {"email": "c@x.example", "role": "lead"})

    assert first.status_code == 302 and Invitation.objects.count() == 4
    assert over.status_code == 409 and Invitation.objects.count() == 4
    assert "Acme can invite 1 more people by email today: at most 5 a day" in over.content.decode()
    assert last.status_code == 302  # the one left today


@pytest.fixture
def reminded_round(acme_round):
    from assessments.models import Invitation, Round

    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    for name in ("ana", "bo"):
        Invitation.objects.create(round=acme_round, email=f"{name}@x.example", status="sent")
    return acme_round


@pytest.mark.django_db
def test_one_person_gets_at_most_one_reminder_a_day(
    client, lena, reminded_round, django_capture_on_commit_callbacks
):
    """5 clicks on "Send reminders" sent 10 mails to 2 people."""
    client.force_login(lena)
    url = f"/o/acme/rounds/{reminded_round.public_id}/"
    before = client.get(url + "participation/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            client.post(url + "remind/")
    after = client.get(url + "participation/").content.decode()

    assert sorted(message.to[0] for message in mail.outbox) == ["ana@x.example", "bo@x.example"]
    assert "emails the 2 people invited by email who have not submitted" in before
    assert "emails the 0 people" in after and "Last reminder:" in after
    assert "nobody gets two a day" in client.post(url + "remind/", follow=True).content.decode()


@pytest.mark.django_db
def test_an_email_that_fails_for_good_marks_its_invitation_and_can_be_sent_again(
    client, lena, reminded_round, monkeypatch, django_capture_on_commit_callbacks
):
    """A line break in a title raised BadHeaderError: the invitations stayed 'pending' and
    never went, while the lead read "invitations are on their way"."""
    from django.core.mail import EmailMessage

    from assessments.models import Invitation

    Invitation.objects.update(status="pending")
    original_send = EmailMessage.send

    def refuse_bo(message, fail_silently=False):
        if message.to == ["bo@x.example"]:
            raise ValueError("Header values can't contain newlines")
        return original_send(message, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", refuse_bo)
    from assessments.tasks import round_invitations_send_task

    round_invitations_send_task.delay(reminded_round.pk)
    client.force_login(lena)
    url = f"/o/acme/rounds/{reminded_round.public_id}/"
    page = client.get(url + "participation/").content.decode()
    monkeypatch.setattr(EmailMessage, "send", original_send)
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(url + "invitations/retry/")

    assert "1 invitation could not be sent" in page and "Try sending again" in page
    assert "Could not be sent" in page  # on bo's row
    assert retried.status_code == 302
    assert [m.to[0] for m in mail.outbox] == ["ana@x.example", "bo@x.example"]
    assert set(Invitation.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_after_the_last_retry_the_invitations_left_are_marked_failed(reminded_round, monkeypatch):
    from django.core.mail import EmailMessage

    from assessments.models import Invitation
    from assessments.tasks import round_invitations_send_task

    Invitation.objects.update(status="pending")

    def unreachable(message, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", unreachable)
    monkeypatch.setattr(round_invitations_send_task, "max_retries", 0)

    round_invitations_send_task.delay(reminded_round.pk)

    assert set(Invitation.objects.values_list("status", flat=True)) == {"failed"}


@pytest.mark.django_db
def test_drafts_filled_on_several_days_are_capped_when_they_open(
    client, lena, acme, questionnaire, settings
):
    """Invitations counted when imported let three drafts filled on three days send three
    days' worth at once."""
    from datetime import timedelta

    from django.utils import timezone

    from assessments.models import Invitation, Round

    settings.INVITATIONS_PER_DAY = 2
    client.force_login(lena)
    rounds = [
        Round.objects.create(organization=acme, questionnaire=questionnaire, title=f"R{n}")
        for n in range(2)
    ]
    for n, round in enumerate(rounds):
        client.post(
            f"/o/acme/rounds/{round.public_id}/invitations/",
            {"emails": f"a{n}@x.example\nb{n}@x.example"},
        )
    Invitation.objects.update(created_at=timezone.now() - timedelta(days=3))

    first = client.post(
        f"/o/acme/rounds/{rounds[0].public_id}/open/", headers={"HX-Request": "true"}
    )
    second = client.post(
        f"/o/acme/rounds/{rounds[1].public_id}/open/", headers={"HX-Request": "true"}
    )

    assert first.status_code == 200 and second.status_code == 409
    assert "can invite 0 more people by email today" in second.content.decode()
    assert Round.objects.get(pk=rounds[1].pk).status == Round.Status.DRAFT


@pytest.mark.django_db
def test_a_lookalike_spelling_counts_against_the_same_account(client, alice):
    """A full-width letter made a new count for the same account: ten more tries each."""
    for n in range(10):
        login(client, "alice@acme.example", "wrong", f"10.3.0.{n}")

    lookalike = login(client, "\uff41lice@acme.example", "correct horse battery", "10.3.1.1")

    assert lookalike.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_one_address_gets_one_reminder_a_day_across_rounds(
    client, lena, acme, questionnaire, django_capture_on_commit_callbacks
):
    from assessments.models import Invitation, Round

    client.force_login(lena)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            round = Round.objects.create(
                organization=acme, questionnaire=questionnaire, title=f"R{n}", status="open"
            )
            Invitation.objects.create(round=round, email="ana@x.example", status="sent")
            client.post(f"/o/acme/rounds/{round.public_id}/remind/")

    assert [message.to for message in mail.outbox] == [["ana@x.example"]]


@pytest.mark.django_db
def test_signups_with_a_taken_address_mail_its_owner_once_a_day(
    client, alice, django_capture_on_commit_callbacks
):
    form = {
        "first_name": "Eve",
        "email": "alice@acme.example",
        "organization_name": "Probe",
        "password1": "ordinary-lantern-42",
        "password2": "ordinary-lantern-42",
    }
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            client.post("/accounts/signup/", form, **from_address(f"10.4.0.{n}"))

    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_password_change_limits_guesses_of_the_current_password(client, alice):
    """Signed in, 30 wrong current passwords were all tried, then the right one worked."""
    client.force_login(alice)
    change = {"new_password1": "another-lantern-42", "new_password2": "another-lantern-42"}

    statuses = [
        client.post(
            "/accounts/password_change/", change | {"old_password": f"guess{n}"}
        ).status_code
        for n in range(11)
    ]
    right = client.post(
        "/accounts/password_change/", change | {"old_password": "correct horse battery"}
    )

    assert statuses == [200] * 10 + [429] and right.status_code == 429
    alice.refresh_from_db()
    assert alice.check_password("correct horse battery")


@pytest.mark.django_db
def test_password_resets_mail_an_account_once_in_ten_minutes(
    client, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            client.post(
                "/accounts/password_reset/",
                {"email": "alice@acme.example"},
                **from_address(f"10.5.0.{n}"),
            )

    (reset,) = mail.outbox
    assert reset.to == ["alice@acme.example"] and "/accounts/reset/" in reset.body


@pytest.mark.django_db
def test_a_second_join_for_a_new_account_is_told_to_log_in(client, alice, acme):
    """Two posts at once (a double click) hit the unique email: a 500."""
    from organizations.models import OrganizationInvitation, User
    from organizations.services import user_join

    invitation = OrganizationInvitation.objects.create(
        organization=acme, email="new@acme.example", role="member", invited_by=alice
    )
    User.objects.create_user(email="NEW@acme.example", password="x")  # the other click won

    with pytest.raises(Exception, match=r"already an account for new@acme\.example"):
        user_join(invitation=invitation, first_name="N", password="ordinary-lantern-42")


@pytest.mark.django_db
def test_one_account_creates_at_most_a_few_organizations_a_day(client, alice, settings):
    """Each organization has its own daily cap: many organizations would multiply it."""
    settings.ORGANIZATIONS_PER_DAY = 2  # alice owns Acme, made today
    client.force_login(alice)

    second = client.post("/organizations/new/", {"name": "Second"})
    third = client.post("/organizations/new/", {"name": "Third"})

    assert second.status_code == 302 and third.status_code == 422
    assert "the most a day" in third.content.decode()
    assert not Organization.objects.filter(name="Third").exists()
