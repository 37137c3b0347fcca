import json
from statistics import mean

import pytest
from django.core.management import call_command

from assessments.models import Answer, Invitation, Response, Round, RoundResult
from reports.models import Report


def seed(capsys, *args: str) -> dict:
    call_command("seed_demo", "--json", *args)
    return json.loads(capsys.readouterr().out)


def practice_mean(round: Round) -> float:
    return mean(
        Answer.objects.filter(
            response__round=round,
            response__submitted_at__isnull=False,
            question__dimension__kind="principle",
            value__isnull=False,
        ).values_list("value", flat=True)
    )


@pytest.mark.django_db
def test_seed_demo_prints_only_the_promised_json(capsys):
    demo = seed(capsys, "--respondents", "12", "--teams", "3")

    assert demo["login_url"] == "/accounts/login/"
    assert demo["lead"]["username"] == "lead@demo.example"
    assert [(r["status"], r["title"][:2]) for r in demo["rounds"]] == [
        ("closed", demo["rounds"][0]["title"][:2]),
        ("open", demo["rounds"][1]["title"][:2]),
    ]
    closed, opened = demo["rounds"]
    assert closed["invitation_urls"] == []
    assert len(opened["invitation_urls"]) >= 3
    for item in demo["rounds"]:
        assert item["dashboard_url"].startswith("/o/demo/rounds/")
        assert item["report_url"] == item["dashboard_url"] + "report/"


@pytest.mark.django_db
def test_the_demo_is_real_and_usable_by_the_lead(
    client, capsys, django_capture_on_commit_callbacks
):
    # The command runs outside a transaction: what it queues on commit is sent at once.
    with django_capture_on_commit_callbacks(execute=True):
        demo = seed(capsys, "--respondents", "12", "--teams", "3")

    assert (
        client.post(
            "/accounts/login/",
            {"username": demo["lead"]["username"], "password": demo["lead"]["password"]},
        ).status_code
        == 302
    )
    for item in demo["rounds"]:
        assert client.get(item["dashboard_url"]).status_code == 200
    # The demo's lead owns the organization, so People & teams is there to explore.
    assert "People &amp; teams" in client.get("/o/demo/").content.decode()
    closed, opened = Round.objects.order_by("created_at")
    assert closed.responses.filter(submitted_at__isnull=False).count() == 12
    assert opened.responses.filter(submitted_at__isnull=False).count() == 12
    assert opened.responses.filter(submitted_at__isnull=True).count() >= 1
    assert Answer.objects.filter(dont_know=True).exists()
    assert Answer.objects.filter(not_applicable=True).exists()
    assert {round.questionnaire.version for round in Round.objects.all()} == {2}
    assert practice_mean(opened) > practice_mean(closed)
    assert RoundResult.objects.filter(is_current=True).count() == 2
    # The closed round opens with its roadmap made.
    report = Report.objects.get()
    assert (report.round, report.status, report.page_size) == (closed, Report.Status.READY, "A4")
    for url in opened_invitation_urls(demo):
        token = url.split("/")[2]
        invitation = Invitation.objects.get(token=token)
        assert not Response.objects.filter(invitation=invitation).exists()
        assert client.get(url, follow=True).status_code == 200


def opened_invitation_urls(demo: dict) -> list[str]:
    return demo["rounds"][1]["invitation_urls"]


@pytest.mark.django_db
def test_running_it_again_refreshes_instead_of_piling_up(client, capsys):
    first = seed(capsys, "--respondents", "5")
    second = seed(capsys, "--respondents", "5")

    assert Round.objects.count() == 2
    assert Response.objects.filter(submitted_at__isnull=False).count() == 10
    assert first["lead"]["password"] != second["lead"]["password"]
    assert (
        client.post(
            "/accounts/login/",
            {"username": "lead@demo.example", "password": second["lead"]["password"]},
        ).status_code
        == 302
    )
