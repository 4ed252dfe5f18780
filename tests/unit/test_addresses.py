"""Settings → email addresses in-process: add, verify by code and link, primary, remove; unsubscribe."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from tests.support.accounts import ADA, add, award, claim_path_for, last_to, register
from tests.support.earners import PASSWORD, Browser, activation_code, activation_path, csrf_token
from tests.support.inprocess import drain_queue, sent_mail

WORK = "ada.work@example.org"


def test_settings_suggest_a_personal_address_when_there_is_one(ada):
    page = ada.get("/settings/emails")
    assert page.status_code == 200 and ADA in page.text and 'id="suggest-personal"' in page.text


def test_settings_need_a_session(client):
    r = Browser(client).get("/settings/emails")
    assert r.status_code == 303 and r.headers["Location"].startswith("/login?next=/settings/emails")


def test_add_verify_by_code_brings_earlier_badges(ada, issuer, badge_class, mails):
    earlier = award(issuer, badge_class, email=WORK)  # awarded before the address was added
    assert f"badge-{earlier['id']}" not in ada.get("/backpack").text
    r = add(ada, WORK)
    assert r.status_code == 200 and "6-digit code" in r.text and "suggest-personal" not in r.text
    mail = last_to(mails, WORK)
    assert mail["subject"] == "Confirm your email address for Laurel" and mail["text"].strip()
    csrf = csrf_token(r.text)
    r = ada.post("/settings/emails/verify", {"csrf_token": csrf, "email": WORK, "code": "000000"})
    assert r.status_code == 422 and "tries left" in r.text
    code = activation_code(mail["html"])
    r = ada.post("/settings/emails/verify", {"csrf_token": csrf, "email": WORK, "code": code})
    assert r.status_code == 303 and r.headers["Location"] == "/settings/emails?done=verified"
    assert f"badge-{earlier['id']}" in ada.get("/backpack").text


def test_verify_by_link_then_primary_and_remove(ada, issuer, badge_class, mails):
    add(ada, WORK)
    path = activation_path(last_to(mails, WORK)["html"].replace("/settings/emails/verify/", "/activate/"))
    path = path.replace("/activate/", "/settings/emails/verify/")
    page = ada.get(path)
    assert page.status_code == 200 and "Confirm this address" in page.text
    r = ada.post(path, {"csrf_token": csrf_token(page.text)})
    assert r.status_code == 303 and r.headers["Location"] == "/settings/emails?done=verified"
    assert ada.get(path).status_code == 410  # used

    csrf = csrf_token(ada.get("/settings/emails").text)
    r = ada.post("/settings/emails/remove", {"csrf_token": csrf, "email": ADA})
    assert r.status_code == 409  # the primary cannot go
    assert ada.post("/settings/emails/primary", {"csrf_token": csrf, "email": WORK}).status_code == 303
    r = ada.post("/settings/emails/remove", {"csrf_token": csrf, "email": ADA})
    assert r.status_code == 303
    page = ada.get("/settings/emails").text
    assert ADA not in page and WORK in page
    assert f"badge-{ada.assertion_id}" not in ada.get("/backpack").text  # the badge stays with ADA


def test_unverified_address_cannot_be_primary_and_others_are_404(ada, mails):
    add(ada, WORK)
    csrf = csrf_token(ada.get("/settings/emails").text)
    assert ada.post("/settings/emails/primary", {"csrf_token": csrf, "email": WORK}).status_code == 409
    assert ada.post("/settings/emails/remove", {"csrf_token": csrf, "email": "x@y.org"}).status_code == 404
    assert ada.post("/settings/emails/primary", {"csrf_token": csrf, "email": "x@y.org"}).status_code == 404
    assert ada.post("/settings/emails/add", {"email": WORK}).status_code == 403  # CSRF


def test_invalid_address_is_shown_next_to_the_field(ada):
    r = add(ada, "not an address")
    assert r.status_code == 422 and 'id="email-error"' in r.text


def test_another_accounts_address_leads_to_the_merge_page(ada, client, issuer, badge_class, mails):
    award(issuer, badge_class, email="bob@example.org")
    bob, _ = register(client, claim_path_for("bob@example.org"))
    code = activation_code(last_to(mails, "bob@example.org")["html"])
    form = {"csrf_token": bob.csrf(), "email": "bob@example.org", "code": code, "password": PASSWORD}
    assert bob.post("/activate", form).status_code == 303  # only a verified address leads to a merge
    r = add(ada, "bob@example.org")
    assert r.status_code == 303 and r.headers["Location"] == "/settings/emails/merge?email=bob%40example.org"
    page = ada.get(r.headers["Location"])
    assert page.status_code == 200 and "Merge with password" in page.text


# --- unsubscribe ----------------------------------------------------------------------------------


def notice_data(email):
    drain_queue()
    for message in reversed(sent_mail()):
        if getattr(message, "template_data", None) and message.destinations["ToAddresses"] == [email]:
            return json.loads(message.template_data)
    return None


def test_award_notice_carries_a_signed_unsubscribe_link_that_works(client, issuer, badge_class):
    from chalicelib.services.issuing import unsubscribe
    from chalicelib.store import current

    award(issuer, badge_class, email="kim@example.org")
    data = notice_data("kim@example.org")
    path = urlsplit(data["unsubscribe_url"]).path
    browser = Browser(client)
    page = browser.get(path)
    assert page.status_code == 200 and "kim@example.org" in page.text
    assert not unsubscribe.is_opted_out("kim@example.org", store=current())
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    assert browser.get(tampered).status_code == 404
    assert browser.post(tampered, {"List-Unsubscribe": "One-Click"}).status_code == 404
    other = unsubscribe.token("eve@example.org").split(".")[1]
    assert browser.get(path.split(".")[0] + "." + other).status_code == 404  # another address's signature
    # RFC 8058 one-click: a POST with no cookies and no CSRF token
    r = client.http.post(
        path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="List-Unsubscribe=One-Click"
    )
    assert r.status_code == 200 and "unsubscribed" in r.body.decode()
    assert unsubscribe.is_opted_out("kim@example.org", store=current())

    before = len(sent_mail())
    second = award(issuer, badge_class, email="kim@example.org", allow_duplicate=True)
    drain_queue()
    assert len(sent_mail()) == before  # opted out: no award notice
    r = issuer.api.call("GET", f"/api/v1/assertions/{second['id']}")
    assert r.json["notice"] == "none"
    assert award(issuer, badge_class, email="lee@example.org")
    drain_queue()
    assert len(sent_mail()) == before + 1  # others still get theirs

    page = browser.get(path)
    r = browser.post(path + "/undo", {"csrf_token": csrf_token(page.text)})
    assert r.status_code == 200 and not unsubscribe.is_opted_out("kim@example.org", store=current())


def test_bulk_skips_opted_out_recipients(client, issuer, badge_class):
    from chalicelib.services.issuing import unsubscribe
    from chalicelib.store import current

    unsubscribe.opt_out("out@example.org", store=current())
    before = len(sent_mail())
    rows = [{"recipient_email": "out@example.org"}, {"recipient_email": "in@example.org"}]
    path = f"/api/v1/badgeclasses/{badge_class['id']}/assertions/bulk"
    r = issuer.api.call("POST", path, {"assertions": rows})
    assert r.status_code in (201, 202), r.body
    drain_queue()
    to = [d["Destination"]["ToAddresses"] for m in sent_mail()[before:] for d in _destinations(m)]
    assert ["in@example.org"] in to and ["out@example.org"] not in to


def _destinations(message):
    if hasattr(message, "destinations") and isinstance(message.destinations, list):
        return message.destinations
    return [{"Destination": message.destinations}]


def test_unsubscribe_secret_is_required_outside_local(monkeypatch):
    from chalicelib.services.issuing import unsubscribe

    monkeypatch.delenv("UNSUBSCRIBE_SECRET", raising=False)
    monkeypatch.setattr(unsubscribe, "get_settings", lambda: type("S", (), {"is_local": False})())
    with pytest.raises(unsubscribe.MissingSecret):
        unsubscribe.token("a@example.org")
    monkeypatch.setenv("UNSUBSCRIBE_SECRET", "s3cret")
    token = unsubscribe.token("a@example.org")
    assert unsubscribe.address(token) == "a@example.org"
    assert re.fullmatch(r"[\w-]+\.[\w-]{43}", token)
