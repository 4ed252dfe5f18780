"""Passkeys through the pages, on the in-memory app (tests/support/memory.py) with the software
authenticator: the forms a browser posts, its cookies, what a person sees. Attacker cases: a replayed
sign-in, a stale session adding or removing a passkey, options that would tell an account apart, a form
from another site, another browser finishing the ceremony."""

from __future__ import annotations

import json
import re

import pytest

from chalicelib.services.earners import passkeys, sessions
from tests.support.earners import Browser, csrf_token
from tests.support.webauthn import BROWSER, ORIGIN, Authenticator, passwordless_account

pytestmark = pytest.mark.usefixtures("cheap_passwords")
PASSWORD = "correct horse battery staple 42"
SETTINGS = "/settings/sign-in"


def options(browser: Browser, path: str, **form: str) -> tuple[int, dict]:
    r = browser.post(path, {"csrf_token": browser.csrf(form.pop("page", "/login")), **form})
    assert r.headers["Content-Type"] == "application/json"
    return r.status_code, json.loads(r.text)


def sign_in_form(browser: Browser, device: Authenticator, **breaks) -> dict:
    status, got = options(browser, "/login/passkey/options")
    assert status == 200, got
    credential = json.dumps(device.get(got["options"], **breaks))
    return {
        "csrf_token": browser.csrf(),
        "ceremony": got["ceremony"],
        "credential": credential,
        "next": "/dashboard",
    }


@pytest.fixture
def ada(memory_store):
    """Ada, who signs in only with the passkey on her phone."""
    account = passwordless_account(memory_store, "ada@example.org")
    phone = Authenticator(ORIGIN)
    started = passkeys.registration_options(account, browser=BROWSER, store=memory_store)
    answer = json.dumps(phone.create(started.options))
    passkeys.register(account, answer, "Phone", started.ceremony, browser=BROWSER, store=memory_store)
    return account, phone


def signed_in(memory_client, device) -> Browser:
    browser = Browser(memory_client)
    r = browser.post("/login/passkey", sign_in_form(browser, device))
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard", r.text
    return browser


def test_a_passkey_signs_in_on_the_login_page_and_a_replay_is_401(memory_client, ada):
    _, phone = ada
    browser = Browser(memory_client)
    login = browser.get("/login").text
    assert "Sign in with a passkey" in login and '<script src="/assets/passkeys.js"' in login
    form = sign_in_form(browser, phone)
    r = browser.post("/login/passkey", form)
    assert r.status_code == 303 and "__Host-laurel_session" in browser.cookies
    assert "Phone" in browser.get(SETTINGS).text
    attacker = Browser(memory_client)  # the captured body, posted again (or from another browser)
    attacker.cookies = {k: v for k, v in browser.cookies.items() if k != "__Host-laurel_session"}
    replayed = attacker.post("/login/passkey", form)
    assert replayed.status_code == 401 and "Start again" in replayed.text
    assert "__Host-laurel_session" not in attacker.cookies


def test_a_ceremony_finished_in_another_browser_signs_nobody_in(memory_client, ada):
    _, phone = ada
    victim, attacker = Browser(memory_client), Browser(memory_client)
    form = sign_in_form(victim, phone)
    attacker.csrf()
    r = attacker.post("/login/passkey", {**form, "csrf_token": attacker.csrf()})
    assert r.status_code == 401 and "another browser" in r.text
    assert "__Host-laurel_session" not in attacker.cookies


def test_sign_in_options_answer_alike_for_any_visitor(memory_client, memory_store, ada):
    first, second = Browser(memory_client), Browser(memory_client)
    _, a = options(first, "/login/passkey/options")
    memory_store.passkeys.listing(ada[0].id)  # accounts exist or not: the answer has no room for them
    _, b = options(second, "/login/passkey/options")
    assert a["options"]["allowCredentials"] == b["options"]["allowCredentials"] == []
    assert (
        a["options"].keys() == b["options"].keys() and a["options"]["challenge"] != b["options"]["challenge"]
    )


def test_options_need_the_forms_csrf_token(memory_client):
    browser = Browser(memory_client)
    browser.csrf()
    r = browser.post("/login/passkey/options", {"csrf_token": "forged"})
    assert r.status_code == 403 and "error" in json.loads(r.text)
    r = browser.post(
        "/login/passkey/options", {"csrf_token": browser.csrf()}, {"Origin": "https://evil.example"}
    )
    assert r.status_code == 403


def test_adding_a_passkey_needs_a_fresh_session_and_mails_the_primary(
    memory_client, memory_store, ada, monkeypatch
):
    _, phone = ada
    browser = signed_in(memory_client, phone)
    real = sessions.now
    monkeypatch.setattr(sessions, "now", lambda: real() + sessions.FRESH_SECONDS + 60)
    status, got = options(browser, "/settings/passkeys/options", page=SETTINGS, name="Laptop")
    assert status == 401 and got == {"reauth": "/reauth?next=/settings/sign-in"}
    r = browser.post("/settings/passkeys", {"csrf_token": browser.csrf(SETTINGS), "name": "Laptop"})
    assert r.status_code == 303 and r.headers["Location"].startswith("/reauth")
    # Confirming with the passkey makes the session fresh again (the reauth page offers it).
    reauth_page = browser.get("/reauth?next=/settings/sign-in").text
    assert "Confirm with a passkey" in reauth_page and 'name="password"' not in reauth_page  # no password
    assert "<h1>Confirm it is you</h1>" in reauth_page
    status, got = options(browser, "/reauth/passkey/options", page="/reauth")
    form = {"csrf_token": browser.csrf(SETTINGS), "ceremony": got["ceremony"], "next": SETTINGS}
    r = browser.post("/reauth/passkey", {**form, "credential": json.dumps(phone.get(got["options"]))})
    assert r.status_code == 303 and r.headers["Location"] == SETTINGS
    laptop = Authenticator(ORIGIN)
    status, got = options(browser, "/settings/passkeys/options", page=SETTINGS, name="Laptop")
    assert status == 200 and got["options"]["excludeCredentials"][0]["id"] == phone.credentials[0].id_b64
    sent = len(memory_store.mail.sent)
    form = {"csrf_token": browser.csrf(SETTINGS), "ceremony": got["ceremony"], "name": "Laptop"}
    r = browser.post("/settings/passkeys", {**form, "credential": json.dumps(laptop.create(got["options"]))})
    assert r.status_code == 303 and r.headers["Location"] == f"{SETTINGS}?done=added"
    notice = memory_store.mail.sent[sent]
    assert notice["to"] == "ada@example.org" and "Laptop" in notice["text"]
    page = browser.get(f"{SETTINGS}?done=added").text
    assert "Passkey added" in page and "Laptop" in page and "Phone" in page


def test_removing_needs_a_fresh_session_and_never_the_last_way_in(
    memory_client, memory_store, ada, monkeypatch
):
    account, phone = ada
    browser = signed_in(memory_client, phone)
    (kept,) = memory_store.passkeys.listing(account.id)
    remove = f"/settings/passkeys/{kept.credential_id}/remove"
    r = browser.post(remove, {"csrf_token": browser.csrf(SETTINGS)})
    assert r.status_code == 409 and "only way to sign in" in r.text
    assert memory_store.passkeys.get(kept.credential_id) is not None
    real = sessions.now
    monkeypatch.setattr(sessions, "now", lambda: real() + sessions.FRESH_SECONDS + 60)
    r = browser.post(remove, {"csrf_token": browser.csrf(SETTINGS)})
    assert r.status_code == 303 and r.headers["Location"].startswith("/reauth")


def test_a_passwordless_account_sets_a_first_password_then_can_remove_its_passkey(
    memory_client, memory_store, ada
):
    account, phone = ada
    browser = signed_in(memory_client, phone)
    assert browser.get("/password/change").headers["Location"] == SETTINGS  # no current password to ask
    page = browser.get(SETTINGS).text
    assert "Set a password" in page
    r = browser.post(
        f"{SETTINGS}/password", {"csrf_token": csrf_token(page), "password": PASSWORD, "password2": PASSWORD}
    )
    assert r.status_code == 303 and r.headers["Location"] == f"{SETTINGS}?done=password"
    assert memory_store.accounts.get(account.id).password_hash
    notice = memory_store.mail.sent[-1]
    assert notice["to"] == "ada@example.org" and notice["subject"].startswith("A password was set")
    page = browser.get(SETTINGS).text  # the new session cookie is the browser's now
    assert "Set a password" not in page and "Change your password" in page
    (kept,) = memory_store.passkeys.listing(account.id)
    r = browser.post(f"/settings/passkeys/{kept.credential_id}/remove", {"csrf_token": csrf_token(page)})
    assert r.status_code == 303 and memory_store.passkeys.listing(account.id) == []
    stranger = Browser(memory_client)
    r = stranger.post("/login/passkey", sign_in_form(stranger, phone))
    assert r.status_code == 401 and "not accepted" in r.text


def test_a_second_first_password_is_refused(memory_client, memory_store, ada):
    account, phone = ada
    browser = signed_in(memory_client, phone)
    stale_page = browser.get(SETTINGS).text
    form = {"csrf_token": csrf_token(stale_page), "password": PASSWORD, "password2": PASSWORD}
    assert browser.post(f"{SETTINGS}/password", form).status_code == 303
    hashed = memory_store.accounts.get(account.id).password_hash
    form = {
        "csrf_token": browser.csrf(SETTINGS),
        "password": "another long passphrase 77",
        "password2": "another long passphrase 77",
    }
    r = browser.post(f"{SETTINGS}/password", form)
    assert r.status_code == 409 and memory_store.accounts.get(account.id).password_hash == hashed


def test_renaming_shows_the_new_name_and_refuses_a_bad_one(memory_client, memory_store, ada):
    account, phone = ada
    browser = signed_in(memory_client, phone)
    (kept,) = memory_store.passkeys.listing(account.id)
    rename = f"/settings/passkeys/{kept.credential_id}/rename"
    r = browser.post(rename, {"csrf_token": browser.csrf(SETTINGS), "name": "Pixel"})
    assert r.status_code == 303
    assert re.search(r'class="passkey-name">Pixel<', browser.get(SETTINGS).text)
    r = browser.post(rename, {"csrf_token": browser.csrf(SETTINGS), "name": "x" * 61})
    assert r.status_code == 422 and "At most 60 characters" in r.text
    r = browser.post("/settings/passkeys/nope/rename", {"csrf_token": browser.csrf(SETTINGS), "name": "y"})
    assert r.status_code == 404


def test_the_sign_in_page_needs_a_session(memory_client):
    r = Browser(memory_client).get(SETTINGS)
    assert r.status_code == 303 and r.headers["Location"].startswith("/login")
