import pytest
from django.core import mail
from django.utils import timezone

from assessments.invitation_import import parse_invitation_lines
from assessments.models import Invitation, Response, Round
from assessments.services import round_open

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_list_may_be_plain_lines_or_csv_with_a_team_column():
    text = 'email,team\nAna@Example.com\n\n  bo@example.com , search \n"cy@example.com",Platform\n'

    rows, problems = parse_invitation_lines(text, team_names={"Search", "Platform"})

    assert problems == []
    assert [(row.line, row.email, row.team_name) for row in rows] == [
        (2, "ana@example.com", ""),
        (4, "bo@example.com", "Search"),
        (5, "cy@example.com", "Platform"),
    ]


def test_every_problem_is_reported_with_its_line():
    text = "ana@example.com\nnot an email\nANA@example.com\nbo@example.com,Mars\na@b.co,x,y\n"

    rows, problems = parse_invitation_lines(text, team_names={"Search"})

    assert [(p.line, p.message) for p in problems] == [
        (2, "Not a valid email address."),
        (3, "Duplicate of line 1."),
        (4, "No team called “Mars” in this round."),
        (5, "Expected at most two columns: email,team."),
    ]
    assert [row.email for row in rows] == ["ana@example.com"]


def post_emails(client, round: Round, text: str, **extra):
    return client.post(
        f"/o/acme/rounds/{round.public_id}/invitations/", {"emails": text}, **HTMX, **extra
    )


@pytest.mark.django_db
def test_a_pasted_list_invites_everyone_with_their_team(client, lena, acme_round, platform_team):
    client.force_login(lena)

    response = post_emails(client, acme_round, "ana@acme.example,Platform\nbo@acme.example\n")

    assert response.status_code == 200
    assert "Invited 2 people." in response.content.decode()
    assert sorted(acme_round.invitations.values_list("email", "team__name", "status")) == [
        ("ana@acme.example", "Platform", "pending"),
        ("bo@acme.example", None, "pending"),
    ]
    assert mail.outbox == []  # a draft round sends nothing yet


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "required"),
        ("email,team\n", "No email addresses found."),
        ("ok@acme.example\nbroken@", "Not a valid email address."),
        ("ok@acme.example\nOK@acme.example", "Duplicate of line 1."),
        ("old@acme.example", "Already invited to this round."),
        ("x@acme.example," + "Nowhere", "No team called"),
        ("a" * 1_000_001, "at most 1000000 characters"),
    ],
    ids=["empty", "blank", "malformed", "duplicate", "already-invited", "team", "over-1MB"],
)
def test_a_list_with_any_problem_imports_nothing(client, lena, acme_round, text, message):
    Invitation.objects.create(round=acme_round, email="old@acme.example")
    client.force_login(lena)

    response = post_emails(client, acme_round, text)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert list(acme_round.invitations.values_list("email", flat=True)) == ["old@acme.example"]


@pytest.mark.django_db
def test_nothing_can_be_added_to_a_closed_round(client, lena, acme_round):
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.CLOSED)
    client.force_login(lena)

    emails = post_emails(client, acme_round, "late@acme.example")
    links = client.post(
        f"/o/acme/rounds/{acme_round.public_id}/invitations/links/", {"count": 3}, **HTMX
    )

    assert emails.status_code == 409 and links.status_code == 409
    assert "closed" in emails.content.decode()
    assert not acme_round.invitations.exists()


@pytest.mark.django_db
def test_invitations_are_emailed_when_the_round_opens_and_at_once_after(
    client, lena, acme_round, django_capture_on_commit_callbacks
):
    client.force_login(lena)
    post_emails(client, acme_round, "ana@acme.example\nbo@acme.example")

    with django_capture_on_commit_callbacks(execute=True):
        round_open(round=acme_round, by=lena)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ana@acme.example",
        "bo@acme.example",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        post_emails(client, acme_round, "cy@acme.example")
    assert [message.to[0] for message in mail.outbox[2:]] == ["cy@acme.example"]
    assert set(acme_round.invitations.values_list("status", flat=True)) == {"sent"}
    assert all("/r/" in message.body for message in mail.outbox)


@pytest.mark.django_db
def test_anonymous_links_are_shown_once_to_copy(client, lena, acme_round):
    client.force_login(lena)

    response = client.post(
        f"/o/acme/rounds/{acme_round.public_id}/invitations/links/", {"count": 3}, **HTMX
    )

    tokens = list(acme_round.invitations.values_list("token", flat=True))
    html = response.content.decode()
    assert response.status_code == 200 and len(tokens) == 3
    assert all(f"/r/{token}/" in html for token in tokens)
    assert all(
        token not in client.get(participation_url(acme_round)).content.decode() for token in tokens
    )


@pytest.mark.django_db
@pytest.mark.parametrize("count", ["0", "-1", "5001", "ten", ""])
def test_a_bad_number_of_links_is_refused(client, lena, acme_round, count):
    client.force_login(lena)

    response = client.post(
        f"/o/acme/rounds/{acme_round.public_id}/invitations/links/", {"count": count}, **HTMX
    )

    assert response.status_code == 422 and not acme_round.invitations.exists()


@pytest.mark.django_db
def test_reminders_go_only_to_those_who_have_not_submitted(
    client, lena, acme_round, django_capture_on_commit_callbacks
):
    round_open(round=acme_round, by=lena)
    done, started, _waiting = (
        Invitation.objects.create(round=acme_round, email=f"{name}@acme.example", status="sent")
        for name in ("done", "started", "waiting")
    )
    Invitation.objects.create(round=acme_round, email="gone@acme.example", status="revoked")
    Invitation.objects.create(round=acme_round, status="sent")  # anonymous link: no address
    Response.objects.create(invitation=done, round=acme_round, submitted_at=timezone.now())
    Response.objects.create(invitation=started, round=acme_round)
    client.force_login(lena)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/o/acme/rounds/{acme_round.public_id}/remind/", **HTMX)

    assert response.status_code == 200
    assert sorted(message.to[0] for message in mail.outbox) == [
        "started@acme.example",
        "waiting@acme.example",
    ]
    assert "still open" in mail.outbox[0].body


@pytest.mark.django_db
def test_reminders_need_an_open_round(client, lena, acme_round):
    client.force_login(lena)

    response = client.post(f"/o/acme/rounds/{acme_round.public_id}/remind/", **HTMX)

    assert response.status_code == 409 and mail.outbox == []


@pytest.mark.django_db
def test_a_revoked_invitation_stops_working(client, lena, acme_round):
    invitation = Invitation.objects.create(round=acme_round, email="ana@acme.example")
    client.force_login(lena)

    response = client.post(
        f"/o/acme/rounds/{acme_round.public_id}/invitations/{invitation.public_id}/revoke/", **HTMX
    )

    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert client.get(f"/r/{invitation.token}/").status_code == 404


def participation_url(round: Round) -> str:
    return f"/o/acme/rounds/{round.public_id}/participation/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("solo@acme.example", "Invited 1 person."),
        ("broken@", "Nothing was imported: 1 line needs fixing."),
        ("broken@\nalso@broken@", "Nothing was imported: 2 lines need fixing."),
    ],
)
def test_one_and_many_are_worded_apart(client, lena, acme_round, text, message):
    client.force_login(lena)

    response = post_emails(client, acme_round, text)

    assert message in response.content.decode()
