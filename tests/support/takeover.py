"""Several earners in one test (the takeover tests): each activated from their own claim link, or signed in
by password."""

from __future__ import annotations

from tests.support.accounts import award, claim_path_for, last_to, register
from tests.support.earners import PASSWORD, Browser, activation_code


def activated(client, issuer, badge_class, mails, email, password=PASSWORD):
    """An earner who registered from their own claim link and activated by code, signed in."""
    award(issuer, badge_class, email=email)
    name = email.split("@")[0].title()
    browser, r = register(
        client, claim_path_for(email), password=password, password2=password, first_name=name
    )
    assert r.status_code == 200, r.text
    code = activation_code(last_to(mails, email)["html"])
    form = {"csrf_token": browser.csrf(), "email": email, "code": code, "password": password}
    assert browser.post("/activate", form).status_code == 303
    return browser


def login(client, email, password):
    browser = Browser(client)
    return browser, browser.post(
        "/login", {"csrf_token": browser.csrf(), "email": email, "password": password}
    )
