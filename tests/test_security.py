"""What strangers get: a Content Security Policy on every page, a login that locks after
repeated failures, and 429 for a burst from one address at the login, the password reset and
the pages behind an invitation token."""

import pytest
from django.core.cache import cache

from assessments.models import Invitation, Round

POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}
UNKNOWN_TOKEN = "x" * 43


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()  # rate-limit counters live in the cache


def from_address(address: str) -> dict:
    return {"REMOTE_ADDR": address}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/login/", f"/r/{UNKNOWN_TOKEN}/"])
def test_every_page_carries_the_content_security_policy(client, url):
    response = client.get(url)

    assert set(response["Content-Security-Policy"].split("; ")) == POLICY


@pytest.mark.django_db
def test_htmx_runs_without_inline_styles_or_eval(client):
    html = client.get("/accounts/login/").content.decode()

    assert '"includeIndicatorStyles": false, "allowEval": false' in html
    assert "<style" not in html and " style=" not in html


@pytest.mark.django_db
def test_five_failed_logins_lock_that_account_from_that_address(client, alice):
    for _ in range(4):
        response = client.post(
            "/accounts/login/",
            {"username": alice.email, "password": "wrong"},
            **from_address("10.0.0.1"),
        )
        assert response.status_code == 200  # the form again, with its error
    fifth = client.post(
        "/accounts/login/",
        {"username": alice.email, "password": "wrong"},
        **from_address("10.0.0.1"),
    )
    assert fifth.status_code == 429

    locked = client.post(
        "/accounts/login/",
        {"username": alice.email, "password": "correct horse battery"},
        **from_address("10.0.0.1"),
    )

    assert locked.status_code == 429
    assert "Login locked for a while" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    elsewhere = client.post(
        "/accounts/login/",
        {"username": alice.email, "password": "correct horse battery"},
        **from_address("10.0.0.2"),
    )
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_a_burst_of_logins_from_one_address_gets_429(client):
    statuses = [
        client.post(
            "/accounts/login/",
            {"username": f"someone{n}@example.com", "password": "guess"},
            **from_address("10.0.0.3"),
        ).status_code
        for n in range(21)
    ]

    assert statuses == [200] * 20 + [429]
    assert client.get("/accounts/login/", **from_address("10.0.0.3")).status_code == 200


def through_proxy(forwarded_for: str) -> dict:
    """A request as one nginx passes it on: its own address, the client's appended."""
    return {"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": forwarded_for}


@pytest.mark.django_db
def test_behind_a_proxy_the_burst_limit_counts_each_client_not_the_proxy(client, settings):
    settings.PROXY_COUNT = 1

    def login(forwarded_for: str, n: int = 0) -> int:
        form = {"username": f"someone{n}@example.com", "password": "guess"}
        return client.post("/accounts/login/", form, **through_proxy(forwarded_for)).status_code

    # One client writing a new address of its own in front of the proxy's entry every time.
    statuses = [login(f"203.0.113.{n}, 198.51.100.7", n) for n in range(21)]

    assert statuses == [200] * 20 + [429]
    assert login("198.51.100.8") == 200  # another client behind the same proxy
    assert login("not-an-address") == 200  # counted as the proxy itself, not a 500


@pytest.mark.django_db
def test_behind_a_proxy_the_login_lockout_is_per_client(client, settings, alice):
    settings.PROXY_COUNT = 1
    wrong = {"username": alice.email, "password": "wrong"}
    right = {"username": alice.email, "password": "correct horse battery"}
    for _ in range(5):
        client.post("/accounts/login/", wrong, **through_proxy("198.51.100.7"))

    locked = client.post("/accounts/login/", right, **through_proxy("198.51.100.7"))
    elsewhere = client.post("/accounts/login/", right, **through_proxy("198.51.100.8"))

    assert locked.status_code == 429
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_a_burst_of_password_resets_from_one_address_gets_429(client, mailoutbox):
    statuses = [
        client.post(
            "/accounts/password_reset/", {"email": "alice@acme.example"}, **from_address("10.0.0.4")
        ).status_code
        for _ in range(6)
    ]

    assert statuses == [302] * 5 + [429]


@pytest.mark.django_db
def test_guessing_tokens_from_one_address_gets_429_and_respondents_are_not_counted(
    client, acme_round
):
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    invitation = Invitation.objects.create(round=acme_round)
    valid = f"/r/{invitation.token}/"
    # A respondent's own page, however often, does not count.
    for _ in range(30):
        assert client.get(valid, **from_address("10.0.0.5")).status_code == 302  # resumes

    guesses = [
        client.get(f"/r/{n:043d}/", **from_address("10.0.0.5")).status_code for n in range(22)
    ]

    # 20 misses a minute are allowed; each miss past them is refused.
    assert guesses == [404] * 20 + [429, 429]
    refused = client.get(f"/r/{UNKNOWN_TOKEN}/", **from_address("10.0.0.5"))
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    # A valid token is looked up before the limit: the office behind that address still answers.
    assert client.get(valid, **from_address("10.0.0.5")).status_code == 302
    assert client.get(valid, **from_address("10.0.0.6")).status_code == 302
    answer = client.post(
        f"/r/{UNKNOWN_TOKEN}/answers/fit-production/",
        {"fit-production": "1"},
        **from_address("10.0.0.5"),
    )
    assert answer.status_code == 429
