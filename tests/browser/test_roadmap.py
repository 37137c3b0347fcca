"""The roadmap page in a real browser: from the demo's closed round a lead downloads the A4
roadmap made by seed_demo, asks for the Letter one (htmx swaps its state in place) and
downloads it too; the page is kept as a screenshot."""

import re
import subprocess

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SLOW_WORK_MS, failed_for_real
from tests.browser.test_dashboard import ARTIFACTS, seed_demo


def page_count(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)$", info.stdout, re.M).group(1))


@pytest.mark.browser
def test_a_lead_downloads_the_roadmap_and_asks_for_letter(page: Page, live_server, tmp_path):
    failed_requests = []
    page.on(
        "requestfailed",
        lambda r: failed_for_real(r) and failed_requests.append(f"{r.url} {r.failure}"),
    )
    page.on("response", lambda r: r.status >= 400 and failed_requests.append(f"{r.url} {r.status}"))
    demo = seed_demo()
    (closed,) = [item for item in demo["rounds"] if item["status"] == "closed"]
    page.goto(demo["login_url"])
    page.get_by_label("Email address:").fill(demo["lead"]["username"])
    page.get_by_label("Password:").fill(demo["lead"]["password"])
    page.get_by_role("button", name="Log in").click()

    page.goto(closed["dashboard_url"])
    page.get_by_role("link", name="The roadmap (PDF)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The roadmap (PDF)")

    a4, letter = page.locator(".report-list li").all()
    expect(a4).to_contain_text("A4")
    download_a4 = a4.get_by_role(
        "link", name=re.compile(r"^Download the roadmap \(PDF, \d+ pages\)$")
    )
    with page.expect_download() as a4_download:
        download_a4.click()
    a4_path = tmp_path / "a4.pdf"
    a4_download.value.save_as(a4_path)
    assert a4_path.read_bytes().startswith(b"%PDF-")
    assert a4_download.value.suggested_filename.endswith("-roadmap.pdf")
    pages = page_count(a4_path)
    expect(download_a4).to_have_text(f"Download the roadmap (PDF, {pages} pages)")

    url_before = page.url
    letter.get_by_role("button", name="Prepare the roadmap").click()
    download_letter = letter.get_by_role("link", name=re.compile(r"^Download the roadmap"))
    expect(download_letter).to_be_visible(timeout=SLOW_WORK_MS)  # rendered by the worker
    assert page.url == url_before  # swapped in place by htmx, no page load
    with page.expect_download() as letter_download:
        download_letter.click()
    letter_path = tmp_path / "letter.pdf"
    letter_download.value.save_as(letter_path)
    info = subprocess.run(["pdfinfo", str(letter_path)], capture_output=True, text=True).stdout
    assert "612 x 792 pts (letter)" in info

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "roadmap-page.png", full_page=True)
    assert failed_requests == []
