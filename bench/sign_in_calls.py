"""AWS calls of the new ways in (issue 11), counted exactly against in-process moto (aws_calls' counter and
world, the pages requested as a browser would with `tests/support/earners.Browser`).

`python bench/sign_in_calls.py`

- Sign-up without a claim link: GET /signup, POST /signup (the "I'm not a robot" check solved as the widget
  solves it, tests/support/altcha.py), the worker mailing the code, POST /signup/code with that code, the
  details page it redirects to, POST /signup/details (names, password twice, terms), GET /signup/welcome.
- Passkeys, by the account just signed up (its session is fresh) with the software authenticator of
  tests/support/webauthn.py: POST /settings/passkeys/options, POST /settings/passkeys (register; its notice
  goes by SES within the request), then in another browser POST /login/passkey/options and
  POST /login/passkey.
- OpenID Connect with a Google-kind provider: GET /login/oidc/google, the callback for a new identity (the
  terms page), POST /login/oidc/welcome (creates the account), then the linked identity signs in again
  from another browser (start + callback). The store's `openid` part (HTTPS to the provider, no AWS call) is
  swapped, on the DynamoStore instance, for the in-process provider of store/memory/openid.py, which checks
  the code, client, redirect URI and PKCE verifier like a real one and signs real ID tokens; everything
  else is the DynamoStore on moto, the client secret included (an SSM SecureString, read through
  store.secrets and kept 5 minutes, so a warm request reads it from memory).

Every path runs once first, uncounted, for another person, so the counted one is warm. The GETs a browser
makes only to read a form's CSRF token (/login, /settings/sign-in) are not counted. On the test stage the
proof-of-work key is the development key (no secret read; deployed it is a secret kept 5 minutes).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from aws_calls import Harness, calls_row, moto_world  # noqa: E402  (sets the environment, ROOT on the path)

from tests.support.earners import PASSWORD, Browser, activation_code, csrf_token  # noqa: E402

SECRET_NAME = "/laurel/test/oidc/google"
PROVIDERS = [
    {"id": "google", "kind": "google", "client_id": "laurel-google", "client_secret": SECRET_NAME},
]
CEREMONY = re.compile(r'name="ceremony" value="([^"]+)"')
SETTINGS = "/settings/sign-in"


def _last_mail_to(email: str):
    """The newest message moto's SES holds for this address."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    for message in reversed(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages):
        if message.destinations["ToAddresses"] == [email]:
            return message
    raise AssertionError(f"no mail to {email}")


class Steps:
    """One person's requests, each counted as a row named `label` + the step."""

    def __init__(self, h: Harness, label: str) -> None:
        self.h, self.label, self.rows = h, label, []

    def count(self, name: str, request: Callable, *, expect: int = 200, note: str = ""):
        with self.h.counter.measure() as calls:
            response = request()
        status = getattr(response, "status_code", 200)
        assert status == expect, (name, status, getattr(response, "text", "")[:2000])
        self.rows.append(calls_row(self.label + name, calls, note=note))
        return response

    def worker(self, name: str, expect: int = 1) -> None:
        """The mail worker on every queued message (as Lambda's SQS trigger), counted as one row."""
        with self.h.counter.measure() as calls:
            handled = self.h.drain_queue()
        assert handled == expect, (name, handled)
        self.rows.append(calls_row(self.label + name, calls, note=f"{handled} message"))

    def total(self) -> list[dict]:
        """The rows and their sum."""
        total = Counter()
        for row in self.rows:
            total.update(row["calls"])
        return [*self.rows, calls_row(f"{self.label}total ({len(self.rows)} steps)", total)]

    def quiet(self, request: Callable):
        """A request a browser makes only to read a form (not counted)."""
        with self.h.counter.pause():
            return request()


def signup(h: Harness, email: str, label: str) -> tuple[list[dict], Browser]:
    """From /signup to the welcome page; the browser is left signed in."""
    from tests.support.altcha import solved

    steps, browser = Steps(h, label), Browser(h.client)
    page = steps.count("GET /signup", lambda: browser.get("/signup"))
    with h.counter.pause():
        altcha = solved()
    form = {"csrf_token": csrf_token(page.text), "email": email, "altcha": altcha}
    asked = steps.count("POST /signup (queues the code)", lambda: browser.post("/signup", form))
    assert "Check your email" in asked.text, asked.text[:2000]
    steps.worker("worker: the code mail")
    code = activation_code(_last_mail_to(email).body)
    form = {"csrf_token": csrf_token(asked.text), "email": email, "code": code}
    proven = steps.count("POST /signup/code", lambda: browser.post("/signup/code", form), expect=303)
    location = proven.headers["Location"]
    page = steps.count("GET /signup/details (redirect)", lambda: browser.get(location))
    secret = parse_qs(urlsplit(location).query)["ceremony"][0]
    form = {
        "csrf_token": csrf_token(page.text),
        "ceremony": secret,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "password": PASSWORD,
        "password2": PASSWORD,
        "terms": "on",
    }
    made = steps.count(
        "POST /signup/details (signs in)", lambda: browser.post("/signup/details", form), expect=303
    )
    assert made.headers["Location"] == "/signup/welcome", made.headers
    welcome = steps.count("GET /signup/welcome", lambda: browser.get("/signup/welcome"))
    assert "Welcome to Laurel" in welcome.text
    return steps.total(), browser


def _options(steps: Steps, browser: Browser, path: str, form_page: str, **form: str) -> dict:
    token = steps.quiet(lambda: browser.csrf(form_page))
    response = steps.count(f"POST {path}", lambda: browser.post(path, {"csrf_token": token, **form}))
    return json.loads(response.text)


def passkey(h: Harness, browser: Browser, label: str) -> list[dict]:
    """A signed-in browser registers a passkey; another browser signs in with it."""
    from tests.support.webauthn import ORIGIN, Authenticator

    steps, phone = Steps(h, label), Authenticator(ORIGIN)
    got = _options(steps, browser, "/settings/passkeys/options", SETTINGS, name="Phone")
    token = steps.quiet(lambda: browser.csrf(SETTINGS))
    form = {
        "csrf_token": token,
        "ceremony": got["ceremony"],
        "name": "Phone",
        "credential": json.dumps(phone.create(got["options"])),
    }
    added = steps.count(
        "POST /settings/passkeys (register)", lambda: browser.post("/settings/passkeys", form), expect=303
    )
    assert added.headers["Location"] == f"{SETTINGS}?done=added", added.headers

    other = Browser(h.client)
    got = _options(steps, other, "/login/passkey/options", "/login")
    token = steps.quiet(lambda: other.csrf("/login"))
    form = {
        "csrf_token": token,
        "ceremony": got["ceremony"],
        "credential": json.dumps(phone.get(got["options"])),
        "next": "/dashboard",
    }
    signed = steps.count(
        "POST /login/passkey (signs in)", lambda: other.post("/login/passkey", form), expect=303
    )
    assert signed.headers["Location"] == "/dashboard" and "__Host-laurel_session" in other.cookies
    return steps.total()


def _round_trip(steps: Steps, browser: Browser, claims: dict, callback_name: str, *, expect: int):
    """GET /login/oidc/google, the person signs in at the provider, the callback."""
    from chalicelib.store import current

    start = steps.count(
        "GET /login/oidc/google (start)", lambda: browser.get("/login/oidc/google"), expect=303
    )
    with steps.h.counter.pause():
        answer = current().openid.authorize(start.headers["Location"], **claims)
    path = "/login/oidc/google/callback?" + urlencode(answer)
    return steps.count(callback_name, lambda: browser.get(path), expect=expect)


def oidc(h: Harness, sub: str, email: str, label: str) -> list[dict]:
    """A new Google identity creates an account (terms page), then signs in again from another browser."""
    steps, browser = Steps(h, f"{label}new identity: "), Browser(h.client)
    claims = {
        "sub": sub,
        "email": email,
        "email_verified": True,
        "given_name": "Ada",
        "family_name": "Lovelace",
    }
    page = _round_trip(steps, browser, claims, "callback (terms page)", expect=200)
    form = {
        "csrf_token": csrf_token(page.text),
        "ceremony": CEREMONY.search(page.text).group(1),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "terms": "on",
    }
    made = steps.count(
        "POST /login/oidc/welcome (creates the account)",
        lambda: browser.post("/login/oidc/welcome", form),
        expect=303,
    )
    assert made.headers["Location"] == "/backpack", made.headers
    first = steps.total()

    steps = Steps(h, f"{label}linked identity: ")
    again = Browser(h.client)
    back = _round_trip(steps, again, {"sub": sub, "email": email}, "callback (signs in)", expect=303)
    assert back.headers["Location"] == "/backpack" and "__Host-laurel_session" in again.cookies
    return first + steps.total()


def _with_memory_provider(h: Harness):
    """The client secret in moto's SSM, OIDC_PROVIDERS read anew, the in-process provider on the store."""
    from chalicelib.config import get_settings
    from chalicelib.store import current, secrets
    from chalicelib.store.aws import client
    from chalicelib.store.memory.openid import MemoryOpenId
    from local.oidc import put_secrets

    os.environ["OIDC_PROVIDERS"] = json.dumps(PROVIDERS)
    get_settings.cache_clear()
    secrets.forget()
    with h.counter.pause():
        put_secrets(client("ssm"), {SECRET_NAME: "bench-client-secret"})
    store = current()
    store.__dict__["openid"] = MemoryOpenId()  # replaces the cached_property's HTTPS client
    return store


def _without_providers(store, before: str | None) -> None:
    """Back as before: the store's HTTPS client, OIDC_PROVIDERS (make bench runs other parts after)."""
    from chalicelib.config import get_settings

    store.__dict__.pop("openid", None)
    if before is None:
        os.environ.pop("OIDC_PROVIDERS", None)
    else:
        os.environ["OIDC_PROVIDERS"] = before
    get_settings.cache_clear()


def scans(rows: list[dict]) -> list[str]:
    """Rows whose calls include a Scan (none expected)."""
    return [row["path"] for row in rows if any(op == "Scan" for (_s, op) in row["calls"])]


def notes(result: dict) -> list[str]:
    """What the figures say beyond the counts."""
    found = scans(result["rows"])
    if found:
        return ["- Sign in your way: a Scan in " + ", ".join(found)]
    return []


def run() -> dict:
    """The three ways in, warm, in one fresh moto world. Returns {"rows": [...]}."""
    before = os.environ.get("OIDC_PROVIDERS")
    with moto_world() as harness:
        store = _with_memory_provider(harness)
        try:
            with harness.counter.pause():  # warm-up: another person, not counted
                _rows, warm = signup(harness, "warmup-signup@bench.example", "")
                passkey(harness, warm, "")
                oidc(harness, "g-warmup", "warmup-oidc@bench.example", "")
            rows, browser = signup(harness, "newcomer@bench.example", "sign-up: ")
            rows += passkey(harness, browser, "passkey: ")
            rows += oidc(harness, "g-ada", "ada-oidc@bench.example", "OIDC ")
        finally:
            _without_providers(store, before)
    return {"rows": rows}


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING)
    out = run()
    for row in out["rows"]:
        print({k: v for k, v in row.items() if k != "calls"})
    print("\n".join(notes(out)) or "no Scan")
