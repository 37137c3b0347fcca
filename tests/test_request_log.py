"""The operator's log: one line per request with its route, status, duration, organization and
round, and never a token or anything a respondent typed."""

import logging
import re

import pytest

from assessments.models import Invitation, Round

LINE = re.compile(
    r"^request method=(\w+) route=(\S+) status=(\d+) ms=\d+\.\d organization=(\S+) round=(\S+)$"
)


def request_lines(caplog) -> list[tuple]:
    return [
        LINE.match(record.getMessage()).groups()
        for record in caplog.records
        if record.name == "radar.requests"
    ]


@pytest.fixture
def open_invitation(acme_round) -> Invitation:
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    return Invitation.objects.create(round=acme_round)


@pytest.mark.django_db
def test_a_respondent_s_requests_are_logged_without_token_or_answer_text(
    client, caplog, acme, acme_round, open_invitation
):
    token = open_invitation.token
    secret = "Our vendor contract with Initech blocks every deployment"
    caplog.set_level(logging.INFO)

    client.get(f"/r/{token}/")
    client.post(f"/r/{token}/answers/context-obstacle/", {"context-obstacle": secret})
    client.post(f"/r/{token}/answers/context-obstacle/", {"context-obstacle": secret + "!"})

    scope = (str(acme.pk), str(acme_round.public_id))
    assert request_lines(caplog) == [
        ("GET", "assessments:survey", "302", *scope),  # to the screen to resume at
        ("POST", "assessments:answer-save", "200", *scope),
        ("POST", "assessments:answer-save", "200", *scope),  # the fast path knows it too
    ]
    everything = caplog.text
    assert token not in everything and "Initech" not in everything


@pytest.mark.django_db
def test_a_lead_s_requests_name_the_organization_and_round(client, caplog, lena, acme, acme_round):
    client.force_login(lena)
    caplog.set_level(logging.INFO)

    client.get(f"/o/acme/rounds/{acme_round.public_id}/")
    client.get("/o/acme/rounds/00000000-0000-0000-0000-000000000000/")

    assert request_lines(caplog) == [
        ("GET", "reports:round-dashboard", "200", str(acme.pk), str(acme_round.public_id)),
        (
            "GET",
            "reports:round-dashboard",
            "404",
            str(acme.pk),
            "00000000-0000-0000-0000-000000000000",
        ),
    ]


@pytest.mark.django_db
def test_an_unknown_address_is_logged_without_its_path(client, caplog):
    caplog.set_level(logging.INFO)

    client.get("/r/not-a-token-at-all/secret-path/")

    assert request_lines(caplog) == [("GET", "-", "404", "-", "-")]
    assert "secret-path" not in caplog.text


def test_a_path_in_any_log_line_loses_its_token():
    from core.request_log import RedactTokens

    record = logging.LogRecord(
        "django.request", logging.ERROR, "", 0, "Internal Server Error: %s", ("/r/abc123/x/",), None
    )

    RedactTokens().filter(record)

    assert record.getMessage() == "Internal Server Error: /r/…/x/"


@pytest.mark.django_db
def test_a_task_logs_its_round_organization_and_duration_without_addresses(
    acme, acme_round, caplog, mailoutbox
):
    from assessments.tasks import round_invitations_send_task

    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    Invitation.objects.create(round=acme_round, email="dana@acme.example")
    caplog.set_level(logging.INFO)

    assert round_invitations_send_task(acme_round.pk) == 1

    [line] = [r.getMessage() for r in caplog.records if r.name == "assessments.tasks"]
    assert re.fullmatch(
        rf"invitations sent round={acme_round.public_id} organization={acme.pk} count=1 ms=\d+",
        line,
    )
    assert len(mailoutbox) == 1 and "dana@" not in caplog.text
