"""Sign-up without a claim link over HTTP on the whole local stack (DynamoDB in moto, the queue pumped to
the mail worker, the outbox): the mailed link proves the address in one browser only, the badge awarded
before is in the new backpack, and a known address gets the same page and a "sign in" mail."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import pytest

from tests.support.altcha import solved
from tests.support.earners import PASSWORD, Earner, activated, address, csrf_token

CODE_MAIL = "Your Laurel sign-up code"
EXISTS_MAIL = "You already have a Laurel account"
LINK = re.compile(r"https?://[^/\s]+(/signup/[\w\-]{20,})")


def mail_with(live, to: str, subject: str, timeout: float = 20) -> dict:
    """The newest mail to `to` with this subject, waiting for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in live.outbox() if to in m["to"].split(",") and m["subject"] == subject]
        if found:
            return found[0]
        time.sleep(0.2)
    pytest.fail(f"no {subject!r} mail to {to}; log:\n{live.log()}")


def ask(earner: Earner):
    form = {"csrf_token": earner.csrf("/signup"), "email": earner.email}
    form["altcha"] = solved(earner.live.base_url)
    return earner.post("/signup", form)


def test_the_mailed_link_signs_up_in_one_browser_and_the_badge_is_there(live, badge):
    ada = Earner(live, address("ada"))
    awarded = badge(ada.email)["id"]
    asked = ask(ada)
    assert asked.status_code == 200 and "Check your email" in asked.text
    path = LINK.search(mail_with(live, ada.email, CODE_MAIL)["html"]).group(1)  # moto keeps the HTML part
    opened = ada.get(path)
    assert opened.status_code == 200 and ada.email in opened.text
    proven = ada.post(path, {"csrf_token": csrf_token(opened.text)})
    assert proven.status_code == 303, proven.text
    details = proven.headers["Location"]
    eve = Earner(live, address("eve"))  # the forwarded link, and the details page, in another browser
    assert eve.post(path, {"csrf_token": eve.csrf("/signup")}).status_code == 410
    assert eve.get(details).status_code == 410
    page = ada.get(details)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    secret = re.search(r'name="ceremony" value="([^"]+)"', page.text).group(1)
    form = {"csrf_token": csrf_token(page.text), "ceremony": secret, "first_name": "Ada", "last_name": "L"}
    form |= {"password": PASSWORD, "password2": PASSWORD}
    refused = ada.post("/signup/details", form)  # no terms
    assert refused.status_code == 422 and "Accept the terms" in refused.text
    made = ada.post("/signup/details", form | {"terms": "on"})
    assert (made.status_code, made.headers["Location"]) == (303, "/signup/welcome")
    assert "1 badge awarded to" in ada.get("/signup/welcome").text
    assert f'id="badge-{awarded}"' in ada.get("/backpack").text
    replay = form | {"terms": "on", "csrf_token": ada.csrf("/signup")}  # signed in: a new form token
    again = ada.post("/signup/details", replay)  # the ceremony is spent
    assert again.status_code == 410


def test_a_known_address_gets_the_same_page_and_a_sign_in_mail(live, badge):
    known = activated(live, badge, "known")
    answers = {}
    for earner in (Earner(live, known.email), Earner(live, address("unknown"))):
        r = ask(earner)
        answers[earner.email] = (
            r.status_code,
            re.sub(r'value="[^"]*"', "", r.text.replace(earner.email, "@").replace(quote(earner.email), "@")),
        )
    assert len(set(answers.values())) == 1
    exists = mail_with(live, known.email, EXISTS_MAIL)
    assert "/password/forgot" in exists["html"] and 'id="code"' not in exists["html"]
    assert all(m["subject"] != CODE_MAIL for m in live.outbox() if known.email in m["to"])
