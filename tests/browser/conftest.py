"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live_server.

Playwright's sync API keeps an asyncio loop marked as running in the main thread from the first
browser test to the end of the session, so Django would refuse the ORM calls made there (these
tests' fixtures and database flushes, and any test run after them) as async-unsafe. They are not:
the live server answers from its own thread. Set at import time, before the test database exists.
"""

import os

import pytest
from playwright.sync_api import expect

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
# Every expectation waits for a state, never for a time; this is only how long it may take on a
# machine whose two cores are shared. Playwright's default of 5 s once failed a PDF render there.
expect.set_options(timeout=30_000)
# A PDF render or a worker round trip may take longer still.
SLOW_WORK_MS = 90_000


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": browser_type_launch_args.get("headless", True),  # --headed still works
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="session")
def base_url(live_server):
    """Relative page.goto() paths go to the live server. This also replaces pytest-playwright
    0.10's own base_url fixture, an instance method that pytest 9.2 deprecates (an error here)."""
    return live_server.url


def failed_for_real(request) -> bool:
    """A failed request worth failing a test for. Chromium aborts the favicon's request when
    the page navigates or reloads before it finishes; that is the browser's doing, not ours."""
    return not (request.url.endswith("/favicon.svg") and request.failure == "net::ERR_ABORTED")
