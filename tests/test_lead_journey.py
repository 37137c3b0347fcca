"""The whole journey of an owner and a lead before the results, through the test client."""

import re

import pytest
from django.core import mail

from assessments.models import Round
from organizations.models import Team

PASSWORD = "ordinary-lantern-42"


@pytest.mark.django_db
def test_owner_and_lead_set_up_invite_open_and_close_a_round(
    client, questionnaire, django_capture_on_commit_callbacks
):
    # The owner signs up, confirms her address, logs in, makes two teams and invites a lead.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {
                "first_name": "Olga",
                "email": "olga@orbit.example",
                "organization_name": "Orbit Labs",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    confirm_link = re.search(r"https?://\S+(/accounts/confirm/\S+/)", mail.outbox[-1].body)
    assert client.get(confirm_link.group(1)).status_code == 200
    client.post("/accounts/login/", {"username": "olga@orbit.example", "password": PASSWORD})
    for name in ("Search", "Platform"):
        assert client.post("/o/orbit-labs/teams/new/", {"name": name}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/orbit-labs/people/invite/", {"email": "lars@orbit.example", "role": "lead"})
    join_link = re.search(r"https?://\S+(/join/\S+/)", mail.outbox[-1].body).group(1)
    client.post("/accounts/logout/")

    # The lead accepts, creating an account, and lands in the organization.
    response = client.post(
        join_link, {"first_name": "Lars", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response["Location"] == "/o/orbit-labs/"
    assert client.get("/o/orbit-labs/people/").status_code == 403  # people are the owner's

    # The lead creates a round for the Search team, invites three people and opens it.
    response = client.post(
        "/o/orbit-labs/rounds/new/",
        {
            "title": "Q1 readiness",
            "questionnaire": questionnaire.pk,
            "teams": [str(Team.objects.get(name="Search").public_id)],
            "score_threshold": 3,
            "comment_threshold": 3,
        },
    )
    round = Round.objects.get()
    participation = f"/o/orbit-labs/rounds/{round.public_id}/participation/"
    assert response["Location"] == participation
    client.post(
        f"/o/orbit-labs/rounds/{round.public_id}/invitations/",
        {
            "emails": "email,team\n"
            "ana@orbit.example,Search\nbo@orbit.example,search\ncy@orbit.example"
        },
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/orbit-labs/rounds/{round.public_id}/open/")
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ana@orbit.example",
        "bo@orbit.example",
        "cy@orbit.example",
    ]

    # Participation follows; an invitation link opens the survey.
    page = client.get(participation)
    assert "0 of 3 submitted" in page.content.decode()
    survey_link = re.search(r"https?://\S+(/r/\S+/)", mail.outbox[0].body).group(1)
    assert client.get(survey_link, follow=True).status_code == 200

    # Closing computes a result; reopening lets late answers in.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/orbit-labs/rounds/{round.public_id}/close/", {"confirm": "yes"})
    round.refresh_from_db()
    assert round.status == "closed" and round.results.filter(is_current=True).exists()
    client.post(f"/o/orbit-labs/rounds/{round.public_id}/reopen/")
    round.refresh_from_db()
    assert round.status == "open"
    assert [r.title for r in client.get("/o/orbit-labs/").context["rounds"]] == ["Q1 readiness"]
