"""CSRF tokens are bound to the session: a token planted, carried over from before sign-in, or taken from
another session is refused."""

from __future__ import annotations

from tests.support.accounts import ADA
from tests.support.earners import PASSWORD, Browser

PLANTED = "A" * 43  # the shape of a real token


def test_a_token_planted_in_the_csrf_cookie_is_refused_once_signed_in(activated, mails):
    """Whoever can write a cookie for the site (a sibling subdomain, plain-http injection) cannot pair it
    with a form token of their choosing."""
    activated.cookies["__Host-laurel_csrf"] = PLANTED
    activated.cookies["laurel_csrf"] = PLANTED  # the unprefixed name of old
    sent = len(mails)
    r = activated.post("/settings/emails/add", {"csrf_token": PLANTED, "email": "mallory@example.net"})
    assert r.status_code == 403 and len(mails) == sent


def test_the_token_from_before_sign_in_is_void_after_it(activated, client):
    browser = Browser(client)
    before = browser.csrf()
    r = browser.post("/login", {"csrf_token": before, "email": ADA, "password": PASSWORD})
    assert r.status_code == 303
    assert browser.post("/logout", {"csrf_token": before}).status_code == 403
    assert browser.get("/backpack").status_code == 200  # still signed in
    assert browser.post("/logout", {"csrf_token": browser.csrf("/backpack")}).status_code == 303


def test_a_token_from_another_session_is_refused(activated, client):
    other = Browser(client)
    other.post("/login", {"csrf_token": other.csrf(), "email": ADA, "password": PASSWORD})
    theirs = other.csrf("/settings/emails")
    mine = activated.csrf("/settings/emails")
    assert theirs != mine
    assert activated.post("/logout", {"csrf_token": theirs}).status_code == 403


def test_a_non_ascii_token_is_a_403_not_a_500(activated):
    assert activated.post("/logout", {"csrf_token": "é" * 43}).status_code == 403
