"""A new lead's first journey, in a real browser: sign up, create a round, invite, open it."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import failed_for_real

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PEOPLE = ["ana@orbit.example", "bo@orbit.example", "cy@orbit.example"]


def is_error(message: ConsoleMessage) -> bool:
    return message.type == "error"


@pytest.mark.browser
def test_lead_signs_up_creates_a_round_invites_and_opens_it(
    page: Page, live_server, questionnaire, mailoutbox
):
    console_errors, failed_requests = [], []
    page.on("console", lambda m: console_errors.append(m.text) if is_error(m) else None)
    page.on(
        "requestfailed",
        lambda r: failed_for_real(r) and failed_requests.append(f"{r.url} {r.failure}"),
    )
    page.on("response", lambda r: r.status >= 400 and failed_requests.append(f"{r.url} {r.status}"))

    page.goto("/accounts/signup/")  # base_url is the live server (tests/browser/conftest.py)
    page.get_by_label("Your name").fill("Orla")
    page.get_by_label("Email").fill("orla@orbit.example")
    page.get_by_label("Organization").fill("Orbit Labs")
    page.get_by_label("Password:", exact=True).fill("ordinary-lantern-42")
    page.get_by_label("Password confirmation").fill("ordinary-lantern-42")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    (confirmation,) = mailoutbox
    page.goto(re.search(r"https?://\S+(/accounts/confirm/\S+/)", confirmation.body).group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Address confirmed")
    mailoutbox.clear()
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email address:").fill("orla@orbit.example")
    page.get_by_label("Password:").fill("ordinary-lantern-42")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/o/orbit-labs/$"))

    page.get_by_role("link", name="New round").click()
    page.get_by_label("Title").fill("Spring check")
    page.get_by_role("button", name="Create round").click()
    expect(page).to_have_url(re.compile(r"/o/orbit-labs/rounds/[0-9a-f-]+/participation/$"))
    heading = page.get_by_role("heading", level=1)  # the round's title and its status badge
    expect(heading).to_have_text("Spring check Status: Draft")

    page.get_by_label("Email addresses").fill("\n".join(PEOPLE))
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Invited 3 people.")
    expect(page.get_by_text("0 of 3 submitted")).to_be_visible()
    assert mailoutbox == []  # a draft round sends nothing yet

    page.get_by_role("button", name="Open the round").click()
    expect(heading).to_have_text("Spring check Status: Open")
    expect(page.get_by_role("status")).to_have_text(
        "The round is open: 3 invitations are on their way."
    )
    assert sorted(message.to[0] for message in mailoutbox) == PEOPLE
    assert all("/r/" in message.body for message in mailoutbox)

    def expect_all_invited():
        rows = page.get_by_role("region", name="Invitations").get_by_role("row")
        expect(rows).to_have_count(1 + len(PEOPLE))  # the header row, then one per person
        for email in PEOPLE:
            expect(rows.filter(has_text=email)).to_contain_text("Invited")

    expect_all_invited()
    page.reload()
    expect(heading).to_have_text("Spring check Status: Open")
    expect(page.get_by_text("0 of 3 submitted")).to_be_visible()
    expect_all_invited()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "participation-1280.png", full_page=True)
    assert console_errors == []
    assert failed_requests == []
