"""Signing in and out in-process: cookies, rate limits, safe `next`, password reset and change."""

from __future__ import annotations

import time

import pytest

from tests.support.accounts import ADA, award, claim_path_for
from tests.support.altcha import solved
from tests.support.earners import PASSWORD, Browser, csrf_token, reset_path
from tests.support.inprocess import drain_queue

# Fixtures shared with test_accounts.py.

NEW_PASSWORD = "a much longer passphrase 2026"
COOKIE = "__Host-laurel_session"


def login(browser: Browser, password: str = PASSWORD, email: str = ADA, **extra):
    return browser.post(
        "/login", {"csrf_token": browser.csrf(), "email": email, "password": password, **extra}
    )


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "\\\\evil.com",
        "/\\evil.com",
        "https://evil.com/x",
        "http:evil.com",
        "javascript:alert(1)",
        "/\t/evil.com",
        "evil.com",
        "",
        None,
        "/%0d%0aLocation:%20x" + "\r\n",
    ],
)
def test_unsafe_next_falls_back_to_the_backpack(target):
    from chalicelib.web.sessions import safe_next

    assert safe_next(target) == "/backpack"


@pytest.mark.parametrize("target", ["/backpack", "/badges/abc?tab=share", "/settings#emails"])
def test_same_site_paths_are_kept(target):
    from chalicelib.web.sessions import safe_next

    assert safe_next(target) == target


def test_login_sets_a_hardened_session_cookie_and_honours_a_safe_next(activated, client):
    browser = Browser(client)
    r = login(browser, next="/backpack?tab=accepted")
    assert r.status_code == 303 and r.headers["Location"] == "/backpack?tab=accepted"
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("__Host-laurel_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "; Secure" in cookie and "; Path=/" in cookie and "Domain" not in cookie  # even on the test stage
    assert "Max-Age=43200" in cookie  # 12 hours: the session's absolute end
    assert browser.get("/backpack").status_code == 200


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "\\\\evil.com", "/\\evil.com"])
def test_login_never_redirects_off_site(activated, client, target):
    r = login(Browser(client), next=target)
    assert r.status_code == 303 and r.headers["Location"] == "/backpack"


def test_only_the_hash_of_the_session_is_stored(activated, client):
    from chalicelib.services.shared import ids
    from chalicelib.store.dynamo.models import SessionItem

    browser = Browser(client)
    login(browser)
    token = browser.cookies[COOKIE]
    item = SessionItem.get(f"SESSION#{ids.sha256_hex(token)}", "SESSION")
    assert item.ttl > time.time() + 11 * 3600 and token not in item.pk


def test_wrong_password_is_refused_then_the_address_is_rate_limited(activated, client):
    browser = Browser(client)
    for _ in range(5):
        r = login(browser, "wrong password, wrong")
        assert r.status_code == 401 and "not right" in r.text
    r = login(browser)  # even the right password waits now
    assert r.status_code == 429 and "Too many failed attempts" in r.text


def test_the_client_is_rate_limited_across_addresses(activated, client):
    from chalicelib.services.shared import ratelimit

    browser = Browser(client)
    for n in range(ratelimit.LOGIN_CLIENT.limit):
        assert login(browser, "wrong password, wrong", email=f"nobody{n}@example.org").status_code == 401
    assert login(browser).status_code == 429


def test_unknown_address_answers_like_a_wrong_password(client):
    r = login(Browser(client), email="nobody@example.org")
    assert r.status_code == 401 and "not right" in r.text


def test_login_without_csrf_is_refused(activated, client):
    browser = Browser(client)
    browser.csrf()
    r = browser.post("/login", {"email": ADA, "password": PASSWORD})
    assert r.status_code == 403
    r = browser.post("/login", {"email": ADA, "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403
    r = browser.post(
        "/login",
        {"email": ADA, "password": PASSWORD, "csrf_token": browser.cookies["__Host-laurel_csrf"]},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403


def test_logout_ends_the_session(activated):
    token = activated.cookies[COOKIE]
    r = activated.post("/logout", {"csrf_token": activated.csrf()})
    assert r.status_code == 303 and "Max-Age=0" in r.headers["Set-Cookie"]
    activated.cookies[COOKIE] = token  # a copied cookie is dead too
    assert activated.get("/backpack").status_code == 303


def test_changing_the_password_ends_other_sessions(activated, client):
    other = Browser(client)
    login(other)
    assert other.get("/backpack").status_code == 200
    form = {"csrf_token": activated.csrf(), "current_password": PASSWORD}
    r = activated.post("/password/change", {**form, "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert r.status_code == 303
    assert activated.get("/backpack").status_code == 200
    assert other.get("/backpack").status_code == 303
    assert login(Browser(client)).status_code == 401
    assert login(Browser(client), NEW_PASSWORD).status_code == 303


def test_change_password_checks_the_current_one(activated):
    form = {"csrf_token": activated.csrf(), "current_password": "not it at all"}
    r = activated.post("/password/change", {**form, "password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert r.status_code == 422 and 'id="current_password-error"' in r.text


def test_password_reset_link_works_once_and_ends_sessions(activated, client, mails):
    other = Browser(client)
    page = other.get("/password/forgot")
    r = other.post(
        "/password/forgot", {"altcha": solved(), "csrf_token": csrf_token(page.text), "email": ADA}
    )
    assert r.status_code == 200 and "If an account uses that address" in r.text
    drain_queue()  # the worker mails the link
    path = reset_path(mails[-1]["text"])
    form = {
        "csrf_token": csrf_token(other.get(path).text),
        "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    assert other.post(path, form).status_code == 303
    assert other.get("/backpack").status_code == 200
    assert activated.get("/backpack").status_code == 303
    assert other.post(path, form).status_code == 409
    assert other.get(path).status_code == 409


def test_password_reset_says_the_same_for_unknown_addresses(client, mails):
    browser = Browser(client)
    r = browser.post(
        "/password/forgot",
        {"altcha": solved(), "csrf_token": browser.csrf("/password/forgot"), "email": "x@y.org"},
    )
    assert r.status_code == 200 and "If an account uses that address" in r.text
    assert drain_queue() == 1 and mails == []  # queued like any request; the worker finds no account


def test_expired_reset_link_is_refused(activated, client, mails):
    from chalicelib.services.shared import ids
    from chalicelib.store.dynamo.models import OneTimeTokenItem

    browser = Browser(client)
    browser.post("/password/forgot", {"altcha": solved(), "csrf_token": browser.csrf(), "email": ADA})
    drain_queue()
    path = reset_path(mails[-1]["text"])
    item = OneTimeTokenItem.get(f"TOKEN#{ids.sha256_hex(path.rsplit('/', 1)[-1])}", "TOKEN")
    item.update(actions=[OneTimeTokenItem.expires_at.set(int(time.time()) - 1)])
    assert browser.get(path).status_code == 409


def test_existing_account_claims_by_logging_in(activated, client, issuer, badge_class):
    second = award(issuer, badge_class, allow_duplicate=True)
    path = claim_path_for(ADA)
    browser = Browser(client)
    page = browser.get(path)
    assert "Log in to add it" in page.text and f'value="{ADA}"' in page.text
    form = {"csrf_token": csrf_token(page.text), "email": ADA, "password": PASSWORD, "next": "/backpack"}
    r = browser.post("/login", {**form, "claim": path.rsplit("/", 1)[-1]})
    assert r.status_code == 303 and r.headers["Location"] == "/backpack"
    assert f'id="badge-{second["id"]}"' in browser.get("/backpack").text
    assert browser.get(path).status_code == 410  # the link has done its job


def test_pages_without_a_session_send_people_to_login(client):
    r = Browser(client).get("/backpack")
    assert r.status_code == 303 and r.headers["Location"] == "/login?next=/backpack"


def test_terms_page(client):
    r = Browser(client).get("/terms")
    assert r.status_code == 200 and "Terms of use" in r.text
