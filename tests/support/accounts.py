"""Earner accounts in-process: award to an address, follow its claim link, register; the settings page's
"add an address" form; the last mail to an address."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from tests.support.earners import Browser, csrf_token, registration
from tests.support.inprocess import drain_queue, sent_mail

ADA = "ada@example.org"


def award(issuer, badge_class, email=ADA, **body) -> dict:
    r = issuer.api.call(
        "POST", f"/api/v1/badgeclasses/{badge_class['id']}/assertions", {"recipient_email": email, **body}
    )
    assert r.status_code == 201, r.body
    return r.json


def claim_path_for(email: str) -> str:
    drain_queue()
    for message in reversed(sent_mail()):
        if getattr(message, "template_data", None) and message.destinations["ToAddresses"] == [email]:
            return urlsplit(json.loads(message.template_data)["claim_url"]).path
    raise AssertionError(f"no award notice to {email}")


def register(client, path: str, **overrides):
    browser = Browser(client)
    page = browser.get(path)
    assert page.status_code == 200, page.text
    token = path.rsplit("/", 1)[-1]
    return browser, browser.post("/register", registration(token, csrf_token(page.text), **overrides))


def last_to(mails, to):
    return [m for m in mails if m["to"] == to][-1]


def add(browser, email):
    page = browser.get("/settings/emails")
    return browser.post("/settings/emails/add", {"csrf_token": csrf_token(page.text), "email": email})
