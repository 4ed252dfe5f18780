"""Earner accounts in-process: claim page, registration, activation by code and link, the backpack."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from chalicelib.store import current
from tests.support.accounts import ADA, award, claim_path_for, register
from tests.support.altcha import solved
from tests.support.earners import (
    PASSWORD,
    Browser,
    activation_code,
    activation_path,
    csrf_token,
    registration,
)
from tests.support.inprocess import drain_queue


def test_claim_page_offers_registration_with_the_address_fixed(client, issuer, badge_class):
    award(issuer, badge_class, recipient_name="Ada")
    page = Browser(client).get(claim_path_for(ADA))
    assert page.status_code == 200
    assert "Data Literacy" in page.text and "Open Skills Consortium" in page.text
    assert f'value="{ADA}" autocomplete="username" readonly' in page.text
    assert 'name="website"' in page.text and 'href="/terms"' in page.text


def test_registration_sends_one_activation_mail_with_code_and_link(client, issuer, badge_class, mails):
    award(issuer, badge_class)
    _, r = register(client, claim_path_for(ADA))
    assert r.status_code == 200 and "6-digit code" in r.text
    assert len(mails) == 1 and mails[0]["to"] == ADA
    code = activation_code(mails[0]["html"])
    assert code in mails[0]["text"] and activation_path(mails[0]["html"]) in mails[0]["text"]


def test_server_ignores_a_posted_email(client, issuer, badge_class, mails):
    from chalicelib.services.earners import accounts

    award(issuer, badge_class)
    _, r = register(client, claim_path_for(ADA), email="mallory@evil.example")
    assert r.status_code == 200
    assert (
        accounts.owner_of(ADA, store=current()) is not None
        and accounts.owner_of("mallory@evil.example", store=current()) is None
    )
    assert [m["to"] for m in mails] == [ADA]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"password": "short pass", "password2": "short pass"}, "password", "at least 12"),
        ({"password": "password1234", "password2": "password1234"}, "password", "too common"),
        ({"password2": "something else entirely"}, "password2", "not the same"),
        ({"first_name": ""}, "first_name", "Enter your first name"),
        ({"terms": ""}, "terms", "Accept the terms"),
    ],
)
def test_bad_registration_shows_the_error_beside_its_field(
    client, issuer, badge_class, overrides, field, words
):
    award(issuer, badge_class)
    _, r = register(client, claim_path_for(ADA), **overrides)
    assert r.status_code == 422
    assert f'id="{field}-error">' in r.text and words in r.text
    assert PASSWORD not in r.text


def test_honeypot_creates_nothing(client, issuer, badge_class, mails):
    from chalicelib.services.earners import accounts

    award(issuer, badge_class)
    _, r = register(client, claim_path_for(ADA), website="http://spam.example")
    assert r.status_code == 200 and accounts.owner_of(ADA, store=current()) is None and mails == []


def test_registration_without_csrf_is_refused(client, issuer, badge_class):
    award(issuer, badge_class)
    path = claim_path_for(ADA)
    browser = Browser(client)
    browser.get(path)
    form = registration(path.rsplit("/", 1)[-1], "")
    assert browser.post("/register", form).status_code == 403
    assert browser.post("/register", {**form, "csrf_token": "x" * 43}).status_code == 403


def test_badges_show_only_once_the_address_is_verified(client, issuer, badge_class, mails):
    award(issuer, badge_class)
    browser, _ = register(client, claim_path_for(ADA))
    r = browser.post("/login", {"csrf_token": browser.csrf(), "email": ADA, "password": PASSWORD})
    assert r.status_code == 403 and "Activate your account first" in r.text
    assert browser.get("/backpack").status_code == 303
    code = activation_code(mails[-1]["html"])
    r = browser.post(
        "/activate", {"csrf_token": browser.csrf(), "email": ADA, "code": code, "password": PASSWORD}
    )
    assert r.status_code == 303
    assert "Data Literacy" in browser.get("/backpack").text


def test_activation_by_link_works_once(client, issuer, badge_class, mails):
    award(issuer, badge_class)
    browser, _ = register(client, claim_path_for(ADA))
    path = activation_path(mails[-1]["html"])
    page = browser.get(path)
    assert page.status_code == 200 and "Activate my account" in page.text
    r = browser.post(path, {"csrf_token": csrf_token(page.text), "password": PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == "/backpack"
    assert browser.get(path).status_code == 410
    again = {"csrf_token": browser.csrf(), "password": PASSWORD}  # signed in: a new token
    assert browser.post(path, again).status_code == 409
    code = activation_code(mails[-1]["html"])  # the code went with the link
    r = browser.post(
        "/activate", {"csrf_token": browser.csrf(), "email": ADA, "code": code, "password": PASSWORD}
    )
    assert r.status_code == 422


def test_code_dies_after_five_wrong_tries_and_a_new_one_can_be_sent(client, issuer, badge_class, mails):
    award(issuer, badge_class)
    browser, _ = register(client, claim_path_for(ADA))
    code = activation_code(mails[-1]["html"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    csrf = browser.csrf()
    details = [
        browser.post(
            "/activate", {"csrf_token": csrf, "email": ADA, "code": wrong, "password": PASSWORD}
        ).text
        for _ in range(5)
    ]
    assert "4 tries left" in details[0] and "no longer valid" in details[4]
    r = browser.post("/activate", {"csrf_token": csrf, "email": ADA, "code": code, "password": PASSWORD})
    assert r.status_code == 422 and "no longer valid" in r.text
    assert (
        browser.post("/activate/resend", {"altcha": solved(), "csrf_token": csrf, "email": ADA}).status_code
        == 200
    )
    drain_queue()  # the worker mails it
    assert len(mails) == 2
    new_code = activation_code(mails[-1]["html"])
    r = browser.post("/activate", {"csrf_token": csrf, "email": ADA, "code": new_code, "password": PASSWORD})
    assert r.status_code == 303


def test_resending_the_activation_is_rate_limited(client, issuer, badge_class, mails):
    award(issuer, badge_class)
    browser, _ = register(client, claim_path_for(ADA))
    csrf = browser.csrf()
    first = browser.post("/activate/resend", {"altcha": solved(), "csrf_token": csrf, "email": ADA})
    second = browser.post("/activate/resend", {"altcha": solved(), "csrf_token": csrf, "email": ADA})
    assert first.status_code == 200 and second.status_code == 429
    drain_queue()
    assert len(mails) == 2
    old_code = activation_code(mails[0]["html"])
    r = browser.post("/activate", {"csrf_token": csrf, "email": ADA, "code": old_code, "password": PASSWORD})
    assert r.status_code == 422  # a new code replaces the old


def test_expired_code_is_refused(client, issuer, badge_class, mails):
    from chalicelib.store.dynamo.models import ActivationCodeItem

    award(issuer, badge_class)
    browser, _ = register(client, claim_path_for(ADA))
    item = ActivationCodeItem.get(f"EMAIL#{ADA}", "CODE")
    item.update(actions=[ActivationCodeItem.expires_at.set(int(time.time()) - 1)])
    code = activation_code(mails[-1]["html"])
    r = browser.post(
        "/activate", {"csrf_token": browser.csrf(), "email": ADA, "code": code, "password": PASSWORD}
    )
    assert r.status_code == 422 and "no longer valid" in r.text


def test_used_claim_link_explains_itself_and_offers_a_fresh_one(client, issuer, badge_class, mails):
    award(issuer, badge_class)
    path = claim_path_for(ADA)
    browser, _ = register(client, path)
    page = browser.get(path)
    assert page.status_code == 410 and "already been used" in page.text
    r = browser.post(path + "/resend", {"altcha": solved(), "csrf_token": csrf_token(page.text)})
    assert r.status_code == 200 and "a***@example.org" in r.text
    fresh = claim_path_for(ADA)
    assert fresh != path
    # not activated yet: an unverified address blocks nobody, so the page still offers registration
    assert "Create your free account" in browser.get(fresh).text
    again = browser.post(path + "/resend", {"altcha": solved(), "csrf_token": csrf_token(page.text)})
    assert again.status_code in (409, 404)  # the old link is replaced: nothing to resend from it


def test_expired_claim_link_can_ask_for_a_fresh_one_at_most_once_a_minute(client, issuer, badge_class):
    from chalicelib.services.shared import ids
    from chalicelib.store.dynamo.models import AssertionItem

    a = award(issuer, badge_class)
    path = claim_path_for(ADA)
    item = AssertionItem.get(f"ASSERTION#{a['id']}", "ASSERTION")
    item.update(actions=[AssertionItem.claim_expires.set(ids.now() - timedelta(seconds=1))])
    browser = Browser(client)
    page = browser.get(path)
    assert page.status_code == 410 and "expired" in page.text and "Send me a fresh link" in page.text
    csrf = csrf_token(page.text)
    assert browser.post(path + "/resend", {"altcha": solved(), "csrf_token": csrf}).status_code == 200
    AssertionItem.get(f"ASSERTION#{a['id']}", "ASSERTION").update(actions=[AssertionItem.notice.set("sent")])
    assert browser.post(path + "/resend", {"altcha": solved(), "csrf_token": csrf}).status_code in (404, 429)


def test_unknown_claim_link_is_404(client, issuer, badge_class):
    a = award(issuer, badge_class)
    r = Browser(client).get(f"/claim/{a['id']}.not-the-secret")
    assert r.status_code == 404 and "not valid" in r.text


def test_accept_reject_recover(activated):
    page = activated.get("/backpack")
    assert "Pending" in page.text and "Accept" in page.text
    csrf = csrf_token(page.text)
    base = f"/backpack/{activated.assertion_id}"
    assert activated.post(f"{base}/accept", {"csrf_token": csrf}).status_code == 303
    assert "Accepted" in activated.get("/backpack").text
    assert activated.post(f"{base}/accept", {"csrf_token": csrf}).status_code == 409
    assert activated.post(f"{base}/reject", {"csrf_token": csrf}).status_code == 303
    page = activated.get("/backpack")
    assert "Rejected" in page.text and "Recover" in page.text
    assert activated.post(f"{base}/recover", {"csrf_token": csrf}).status_code == 303
    assert "Pending" in activated.get("/backpack").text
    assert activated.post(f"{base}/accept", {"csrf_token": ""}).status_code == 403


def test_another_earners_badge_is_not_found(activated, issuer, badge_class):
    other = award(issuer, badge_class, email="grace@example.org")
    csrf = activated.csrf()
    for action in ("accept", "reject", "recover"):
        r = activated.post(f"/backpack/{other['id']}/{action}", {"csrf_token": csrf})
        assert r.status_code == 404
    assert activated.post("/backpack/no-such-id/accept", {"csrf_token": csrf}).status_code == 404


def test_earner_names_are_escaped(client, issuer, badge_class, mails):
    award(issuer, badge_class)
    browser, _ = register(client, claim_path_for(ADA), first_name="<script>alert(1)</script>")
    assert "alert(1)" not in mails[-1]["html"] + mails[-1]["text"]  # the mail carries no name from the form
    code = activation_code(mails[-1]["html"])
    browser.post(
        "/activate", {"csrf_token": browser.csrf(), "email": ADA, "code": code, "password": PASSWORD}
    )
    page = browser.get("/backpack").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_backpack_lists_only_verified_addresses(activated, issuer, badge_class):
    from chalicelib.services.backpack import shelf
    from chalicelib.services.earners import accounts

    award(issuer, badge_class, email="grace@example.org")
    account = accounts.get_account(accounts.owner_of(ADA, store=current()).account_id, store=current())
    listed = shelf.list_badges(account, store=current())
    assert [b.id for b in listed] == [activated.assertion_id]
    assert listed[0].status == "pending" and listed[0].issuer.name == "Open Skills Consortium"


def test_common_password_list_is_bundled():
    from chalicelib.services.earners import passwords

    common = passwords.common_passwords()
    assert len(common) > 19000 and "123456" in common
    assert passwords.problem("Password1234") is not None
    assert passwords.problem("ada@example.org", email="ada@example.org") is not None
    assert passwords.problem("a quiet walk by the harbour") is None
