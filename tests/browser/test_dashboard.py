"""The demo dashboard in a real browser: a lead logs in, opens the closed round's results, finds
the fit verdict, both charts, the team heatmap, the challenges and the table alternative to the
charts, and it is kept as screenshots; the open round shows participation, not scores."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import ConsoleMessage, Page, expect

from assessments.models import Dimension, Round
from demo.seed import TEAM_NAMES
from reports.roadmap import VERDICT_TITLES
from tests.browser.conftest import failed_for_real

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TEAMS = 4  # seed_demo's default
LEVEL = re.compile(r"^(\d(\.\d+)?|–)$")  # noqa: RUF001 (a heatmap cell: a level, or an en dash)
SUPPRESSED = re.compile(r"^Not shown, to keep answers anonymous: fewer than \d+ responses")


def is_error(message: ConsoleMessage) -> bool:
    return message.type == "error"


def seed_demo() -> dict:
    """The demo organization, its rounds aggregated (tasks run in-process in tests)."""
    out = io.StringIO()
    call_command("seed_demo", "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.browser
def test_the_demo_dashboard_shows_its_charts(page: Page, live_server):
    console_errors, failed_requests = [], []
    page.on("console", lambda m: console_errors.append(m.text) if is_error(m) else None)
    page.on(
        "requestfailed",
        lambda r: failed_for_real(r) and failed_requests.append(f"{r.url} {r.failure}"),
    )
    page.on("response", lambda r: r.status >= 400 and failed_requests.append(f"{r.url} {r.status}"))

    demo = seed_demo()
    rounds = {item["status"]: item for item in demo["rounds"]}
    closed_round, open_round = rounds[Round.Status.CLOSED], rounds[Round.Status.OPEN]
    questionnaire = Round.objects.get(title=closed_round["title"]).questionnaire
    principles = list(
        questionnaire.dimensions.filter(kind=Dimension.Kind.PRINCIPLE)
        .order_by("position")
        .values_list("name", flat=True)
    )
    assert len(principles) == 7

    page.goto(demo["login_url"])
    page.get_by_label("Email address:").fill(demo["lead"]["username"])
    page.get_by_label("Password:").fill(demo["lead"]["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    # While a round is open, leads follow participation: scores appear when it closes.
    page.goto(open_round["dashboard_url"])
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{open_round['title']} Status: Open")
    expect(page.locator("#results")).to_contain_text("Results appear when the round closes")
    expect(page.get_by_role("img")).to_have_count(0)

    page.goto(closed_round["dashboard_url"])
    heading = f"{closed_round['title']} Status: Closed"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)

    fit = page.get_by_role("region", name="Is MLOps right for you?")
    expect(fit.locator(".verdict")).to_have_text(
        re.compile("^(" + "|".join(map(re.escape, VERDICT_TITLES.values())) + ")$")
    )

    radar = page.get_by_role("img", name=re.compile(r"^Maturity of the seven principles"))
    expect(radar).to_be_visible()
    expect(radar.locator("text.label")).to_have_text(principles)
    expect(radar.locator("polygon.current")).to_have_count(1)
    expect(radar.locator("polygon.previous")).to_have_count(0)  # the first round of its scope

    bars = page.get_by_role("img", name=re.compile(r"^Score of each principle"))
    expect(bars).to_be_visible()
    expect(bars.locator("rect.bar")).to_have_count(7)

    teams = page.get_by_role("table", name=re.compile(r"^Teams × principles"))  # noqa: RUF001
    expect(teams.get_by_role("rowheader")).to_have_count(TEAMS)
    for name in TEAM_NAMES[:TEAMS]:
        row = teams.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))
        cells = row.get_by_role("cell")
        if "Not shown" in row.inner_text():
            expect(cells).to_have_text([SUPPRESSED])
        else:
            expect(cells).to_have_text([LEVEL] * 7)

    challenges = page.get_by_role("region", name="Challenges")
    expect(challenges.get_by_role("rowheader")).to_have_count(6)

    page.get_by_text("The same as a table", exact=True).click()
    table = page.locator("details", has_text="The same as a table").get_by_role("table")
    expect(table).to_be_visible()
    expect(table.get_by_role("rowheader")).to_have_text(principles)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "dashboard-1280.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    expect(radar).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375 + 1, f"the page scrolls sideways at 375 px ({scroll_width} px wide)"
    page.screenshot(path=ARTIFACTS / "dashboard-375.png", full_page=True)

    assert console_errors == []
    assert failed_requests == []
