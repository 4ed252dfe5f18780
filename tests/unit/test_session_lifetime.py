"""Session lifetime (ASVS 3.3.2): a sliding idle timeout, an absolute end, "keep me signed in", and the
password asked again before sensitive changes. The sessions' clock is moved, never slept on."""

from __future__ import annotations

import pytest

from tests.support.accounts import ADA
from tests.support.earners import PASSWORD, Browser

MINUTE, HOUR, DAY = 60, 3600, 86400
SIGNED_OUT = "/login?next=/backpack"


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, started at the real time and moved by tests (`clock.move(seconds)`)."""
    import time

    from chalicelib.services.earners import sessions

    class Clock:
        at = time.time()

        def move(self, seconds: float) -> None:
            self.at += seconds

    fake = Clock()
    monkeypatch.setattr(sessions, "now", lambda: fake.at)
    return fake


def signed_in(client, *, keep: bool = False) -> Browser:
    browser = Browser(client)
    form = {"csrf_token": browser.csrf(), "email": ADA, "password": PASSWORD}
    r = browser.post("/login", {**form, "keep": "on"} if keep else form)
    assert r.status_code == 303, r.text
    return browser


def backpack_status(browser: Browser) -> tuple[int, str]:
    r = browser.get("/backpack")
    return r.status_code, r.headers.get("Location", "")


def test_a_stolen_but_idle_session_ends_after_30_minutes(activated, client, clock):
    browser = signed_in(client)
    clock.move(29 * MINUTE)
    assert backpack_status(browser) == (200, "")
    clock.move(29 * MINUTE)  # used a moment ago: the idle end slid forward
    assert backpack_status(browser) == (200, "")
    clock.move(31 * MINUTE)
    assert backpack_status(browser) == (303, SIGNED_OUT)


def test_a_busy_session_still_ends_12_hours_after_sign_in(activated, client, clock):
    browser = signed_in(client)
    for _ in range(11 * 4):  # a request every 15 minutes for 11 hours
        clock.move(15 * MINUTE)
        assert backpack_status(browser) == (200, "")
    clock.move(HOUR)
    assert backpack_status(browser) == (303, SIGNED_OUT)


def test_the_idle_end_is_written_at_most_once_per_5_minutes(activated, client, clock):
    from chalicelib.services.shared import ids
    from chalicelib.store.dynamo.models import SessionItem

    browser = signed_in(client)
    key = f"SESSION#{ids.sha256_hex(browser.cookies['__Host-laurel_session'])}"
    first = SessionItem.get(key, "SESSION").idle_until
    clock.move(4 * MINUTE)
    browser.get("/backpack")
    assert SessionItem.get(key, "SESSION").idle_until == first
    clock.move(2 * MINUTE)
    browser.get("/backpack")
    assert SessionItem.get(key, "SESSION").idle_until == first + 6 * MINUTE


def test_keep_me_signed_in_lasts_30_days_with_a_week_of_idleness(activated, client, clock):
    browser = Browser(client)
    page = browser.get("/login").text
    assert 'name="keep"' in page and "Keep me signed in" in page
    browser = signed_in(client, keep=True)
    clock.move(6 * DAY)
    assert backpack_status(browser) == (200, "")
    for _ in range(3):
        clock.move(6 * DAY)
        assert backpack_status(browser) == (200, "")
    clock.move(6 * DAY + MINUTE)  # 30 days after sign-in
    assert backpack_status(browser) == (303, SIGNED_OUT)


def test_keep_me_signed_in_sets_a_30_day_cookie(activated, client):
    browser = Browser(client)
    form = {"csrf_token": browser.csrf(), "email": ADA, "password": PASSWORD, "keep": "on"}
    cookie = browser.post("/login", form).headers["Set-Cookie"]
    assert f"Max-Age={30 * DAY}" in cookie


@pytest.mark.parametrize(
    ("method", "path", "form"),
    [
        ("post", "/settings/emails/add", {"email": "mallory@example.net"}),
        ("post", "/settings/emails/remove", {"email": ADA}),
        ("post", "/settings/emails/primary", {"email": ADA}),
        ("post", "/settings/emails/merge", {"email": "x@example.net", "password": "guess"}),
        ("post", "/settings/emails/merge/code", {"email": "x@example.net"}),
        ("get", "/backpack/export", None),
    ],
)
def test_sensitive_changes_ask_for_the_password_again_after_10_minutes(
    activated, client, clock, mails, method, path, form
):
    """Someone who finds a signed-in browser (or steals a kept cookie) cannot take the account over."""
    browser = signed_in(client, keep=True)
    clock.move(11 * MINUTE)
    sent = len(mails)
    if form is None:
        r = browser.get(path)
    else:
        r = browser.post(path, {"csrf_token": browser.csrf("/settings/emails"), **form})
    assert r.status_code == 303 and r.headers["Location"].startswith("/reauth?next=")
    assert len(mails) == sent  # nothing was mailed either


def test_confirming_the_password_allows_sensitive_changes_for_10_minutes(activated, client, clock, mails):
    browser = signed_in(client, keep=True)
    clock.move(DAY)
    r = browser.get("/backpack/export")
    assert r.status_code == 303 and r.headers["Location"] == "/reauth?next=/backpack/export"
    page = browser.get(r.headers["Location"])
    assert page.status_code == 200 and "Confirm your password" in page.text
    form = {"csrf_token": browser.csrf("/reauth"), "next": "/backpack/export"}
    wrong = browser.post("/reauth", {**form, "password": "not my password at all"})
    assert wrong.status_code == 401 and browser.get("/backpack/export").status_code == 303
    r = browser.post("/reauth", {**form, "password": PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == "/backpack/export"
    r = client.http.get("/backpack/export", headers=browser._headers({"Accept": "application/zip"}))
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    clock.move(11 * MINUTE)
    assert browser.get("/backpack/export").status_code == 303


def test_reauth_needs_a_session(client):
    r = Browser(client).get("/reauth?next=/backpack/export")
    assert r.status_code == 303 and r.headers["Location"].startswith("/login")
