"""The sign-up pages on the in-memory store (fast tier, no AWS): a person's walk from /signup to the
welcome page, and what another browser, a known address, a forgotten box or a busy store get
(routes/signup.py over services/earners/open_signup.py)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.support.altcha import solved
from tests.support.earners import PASSWORD, Browser, csrf_token
from tests.support.inprocess import data_uri, png_bytes
from tests.support.memory import run_mail_queue

pytestmark = pytest.mark.usefixtures("cheap_passwords")
ADA = "ada@example.org"
FLOW = "__Host-laurel_flow"
SESSION = "__Host-laurel_session"
DETAILS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "terms": "on",
    "password": PASSWORD,
    "password2": PASSWORD,
}


def mail_to(store, email: str) -> dict:
    return [m for m in store.mail.sent if m["to"] == email][-1]


def code_in(mail: dict) -> str:
    return re.search(r'id="code">\s*(\d{6})\s*<', mail["html"]).group(1)


def ask(browser: Browser, email: str = ADA):
    form = {"csrf_token": browser.csrf("/signup"), "email": email, "altcha": solved()}
    return browser.post("/signup", form)


def type_code(browser: Browser, store, email: str = ADA):
    """Read the code from the mail and type it: the redirect to the details page."""
    run_mail_queue(store)
    code = code_in(mail_to(store, email))
    return browser.post(
        "/signup/code", {"csrf_token": browser.csrf("/signup/code"), "email": email, "code": code}
    )


def prove(browser: Browser, store, email: str = ADA):
    """Ask for a code, then type it."""
    assert ask(browser, email).status_code == 200
    return type_code(browser, store, email)


def details(browser: Browser, location: str, **changes: str):
    page = browser.get(location)
    assert page.status_code == 200, page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"  # the secret in the URL goes nowhere
    secret = parse_qs(urlsplit(location).query)["ceremony"][0]
    form = {"csrf_token": csrf_token(page.text), "ceremony": secret, **DETAILS, **changes}
    return browser.post("/signup/details", form)


def awarded(memory_issuer, email: str) -> None:
    badge = memory_issuer.api.call(
        "POST",
        "/api/v1/badgeclasses",
        {
            "name": "Data Literacy",
            "description": "d",
            "criteria_narrative": "c",
            "image": data_uri(png_bytes()),
        },
    )
    body = {"recipient_email": email, "notify": False}
    r = memory_issuer.api.call("POST", f"/api/v1/badgeclasses/{badge.json['id']}/assertions", body)
    assert r.status_code == 201, r.body


def verified_account(store, email: str = ADA):
    from chalicelib.services.earners import accounts, activation

    made = accounts.register(accounts.Registration(email, "Ada", "L", PASSWORD), store=store)
    activation.verify_owner(made, email, store=store)
    return made


def test_a_person_signs_up_and_finds_the_badge_awarded_before(memory_client, memory_store, memory_issuer):
    awarded(memory_issuer, ADA)
    ada = Browser(memory_client)
    assert 'href="/signup"' in ada.get("/").text and 'href="/signup"' in ada.get("/login").text
    asked = ask(ada, " Ada@Example.org ")
    assert asked.status_code == 200 and "Check your email" in asked.text and ADA in asked.text
    assert memory_store.accounts.owner_of(ADA) is None  # nothing before the code
    proven = type_code(ada, memory_store)
    assert proven.status_code == 303 and proven.headers["Location"].startswith("/signup/details?ceremony=")
    assert FLOW in ada.cookies
    made = details(ada, proven.headers["Location"])
    assert (made.status_code, made.headers["Location"]) == (303, "/signup/welcome") and SESSION in ada.cookies
    welcome = ada.get("/signup/welcome")
    assert "Welcome to Laurel, Ada" in welcome.text and "1 badge awarded to" in welcome.text
    assert "Data Literacy" in ada.get("/backpack").text
    account = memory_store.accounts.get(memory_store.accounts.owner_of(ADA).account_id)
    assert memory_store.accounts.owner_of(ADA).verified and account.terms_at is not None


class Recorder:
    """Stands in for one part of the store and writes down each method called on it."""

    def __init__(self, name: str, inner, calls: list[str]):
        self._name, self._inner, self._calls = name, inner, calls

    def __getattr__(self, attr: str):
        value = getattr(self._inner, attr)
        if not callable(value):
            return value

        def recorded(*args, **kw):
            self._calls.append(f"{self._name}.{attr}")
            return value(*args, **kw)

        return recorded


def recording(store) -> list[str]:
    calls: list[str] = []
    for name in ("accounts", "codes", "rates", "sessions", "ceremonies", "identities", "queue", "mail"):
        store.__dict__[name] = Recorder(name, getattr(store, name), calls)
    return calls


def test_known_and_unknown_addresses_get_the_same_answer_and_the_same_store_work(memory_client, memory_store):
    verified_account(memory_store, ADA)
    calls = recording(memory_store)
    answers, work = {}, {}
    for email in (ADA, "nobody@example.org"):
        browser = Browser(memory_client)
        csrf = browser.csrf("/signup")
        del calls[:]
        r = browser.post("/signup", {"csrf_token": csrf, "email": email, "altcha": solved()})
        work[email] = list(calls)
        page = r.text.replace(email, "<email>").replace(quote(email), "<email>").replace(csrf, "<csrf>")
        answers[email] = (r.status_code, page)
    assert answers[ADA] == answers["nobody@example.org"] and answers[ADA][0] == 200
    assert work[ADA] == work["nobody@example.org"] and "queue.send" in work[ADA]
    assert not any(c.startswith(("accounts.", "codes.")) for c in work[ADA])  # the worker decides
    run_mail_queue(memory_store)
    assert mail_to(memory_store, ADA)["subject"] == "You already have a Laurel account"
    assert mail_to(memory_store, "nobody@example.org")["subject"] == "Your Laurel sign-up code"


def test_the_details_page_copied_to_another_browser_is_refused(memory_client, memory_store):
    ada, eve = Browser(memory_client), Browser(memory_client)
    location = prove(ada, memory_store).headers["Location"]
    seen = eve.get(location)
    assert seen.status_code == 410 and "started in another browser" in seen.text
    secret = parse_qs(urlsplit(location).query)["ceremony"][0]
    form = {"csrf_token": csrf_token(seen.text), "ceremony": secret, **DETAILS}
    assert eve.post("/signup/details", form).status_code == 410
    eve.cookies[FLOW] = "x" * 43  # a flow cookie of her own does not help either
    assert eve.post("/signup/details", form).status_code == 410
    assert memory_store.accounts.owner_of(ADA) is None
    assert details(ada, location).status_code == 303  # still Ada's to finish


def test_the_mailed_link_is_spent_by_its_button_not_by_opening_it(memory_client, memory_store):
    ada, eve = Browser(memory_client), Browser(memory_client)
    ask(ada)
    run_mail_queue(memory_store)
    path = "/signup/" + re.search(r"/signup/([\w\-]{20,})", mail_to(memory_store, ADA)["text"]).group(1)
    for _ in range(2):  # a mail scanner opening the link spends nothing
        opened = ada.get(path)
        assert opened.status_code == 200 and "Continue your sign-up" in opened.text
    proven = ada.post(path, {"csrf_token": csrf_token(opened.text)})
    assert proven.status_code == 303
    again = eve.post(path, {"csrf_token": eve.csrf("/signup")})
    assert again.status_code == 410 and "already used" in again.text
    assert eve.get(path).status_code == 410
    assert details(ada, proven.headers["Location"]).status_code == 303


def test_terms_unchecked_is_422_writes_nothing_and_keeps_what_was_typed(memory_client, memory_store):
    ada = Browser(memory_client)
    location = prove(ada, memory_store).headers["Location"]
    refused = details(ada, location, terms="", first_name="Ada <b>")
    assert refused.status_code == 422 and "Accept the terms" in refused.text
    assert html.escape("Ada <b>") in refused.text and "Ada <b>" not in refused.text
    assert memory_store.accounts.owner_of(ADA) is None and SESSION not in ada.cookies
    assert details(ada, location).status_code == 303


def test_a_wrong_code_is_counted_and_said_and_a_forged_form_does_nothing(memory_client, memory_store):
    ada = Browser(memory_client)
    ask(ada)
    run_mail_queue(memory_store)
    code = code_in(mail_to(memory_store, ADA))
    form = {"csrf_token": ada.csrf("/signup/code"), "email": ADA, "code": f"{(int(code) + 1) % 10**6:06d}"}
    wrong = ada.post("/signup/code", form)
    assert wrong.status_code == 422 and "4 tries left" in wrong.text
    forged = Browser(memory_client).post("/signup", {"csrf_token": "forged", "email": "eve@example.org"})
    assert forged.status_code == 403 and memory_store.queue.drain() == []


def test_a_busy_store_is_503_and_spends_no_code(memory_client, memory_store):
    ada = Browser(memory_client)
    ask(ada)
    run_mail_queue(memory_store)
    form = {"csrf_token": ada.csrf("/signup/code"), "email": ADA, "code": code_in(mail_to(memory_store, ADA))}
    memory_store.db.faults.busy_next()  # the counted try is refused
    busy = ada.post("/signup/code", form)
    assert busy.status_code == 503 and busy.headers.get("Retry-After")
    assert memory_store.codes.signup_code(ADA).attempts == 0
    assert ada.post("/signup/code", form).status_code == 303


def test_an_address_verified_meanwhile_answers_sign_in_or_reset(memory_client, memory_store):
    ada = Browser(memory_client)
    location = prove(ada, memory_store).headers["Location"]
    owner = verified_account(memory_store, ADA)
    taken = details(ada, location)
    assert taken.status_code == 409 and "sign in, or reset your password" in taken.text
    assert memory_store.accounts.owner_of(ADA).account_id == owner.id and SESSION not in ada.cookies


def test_the_welcome_page_needs_a_session(memory_client):
    r = Browser(memory_client).get("/signup/welcome")
    assert r.status_code == 303 and r.headers["Location"].startswith("/login?next=/signup/welcome")


def test_without_a_solved_robot_check_nothing_is_counted_queued_or_mailed(memory_client, memory_store):
    ada = Browser(memory_client)
    csrf = ada.csrf("/signup")
    replayed = solved()
    for form in ({}, {"altcha": "not a solution"}):
        refused = ada.post("/signup", {"csrf_token": csrf, "email": ADA, **form})
        assert refused.status_code == 422 and "not a robot" in refused.text and "altcha-error" in refused.text
        assert ADA in refused.text  # what she typed stays
    assert memory_store.db.table("rates") == {} and memory_store.queue.drain() == []
    assert ada.post("/signup", {"csrf_token": csrf, "email": ADA, "altcha": replayed}).status_code == 200
    replay = ada.post("/signup", {"csrf_token": csrf, "email": "eve@example.org", "altcha": replayed})
    assert replay.status_code == 422 and len(memory_store.queue.drain()) == 1


def test_signing_up_in_a_browser_signed_in_as_someone_else_ends_that_session(memory_client, memory_store):
    from chalicelib.services.earners import sessions

    grace = verified_account(memory_store, "grace@example.org")
    shared = Browser(memory_client)  # a shared computer, Grace still signed in
    shared.cookies[SESSION] = before = sessions.start(grace, store=memory_store)
    made = details(shared, prove(shared, memory_store).headers["Location"])
    assert made.status_code == 303 and shared.cookies[SESSION] != before
    assert sessions.find(before, store=memory_store) is None
    assert "Welcome to Laurel, Ada" in shared.get("/signup/welcome").text


def test_a_person_who_has_a_code_already_finds_where_to_type_it(memory_client):
    page = memory_client.http.get("/signup?email=ada%40example.org")
    assert 'href="/signup/code?email=ada%40example.org"' in page.body.decode()
    assert "6-digit code" in memory_client.http.get("/signup/code?email=ada%40example.org").body.decode()
