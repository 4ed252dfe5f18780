"""Sign-in ceremonies (services/earners/ceremonies.py) and the flow cookie (web/flows.py): single use,
short-lived, bound to one browser, one kind."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from chalicelib.services.earners import ceremonies
from chalicelib.web import cookies, flows

BROWSER = "a" * 64


def begin(store, **overrides):
    values = {"browser": BROWSER, "seconds": 300, "data": {"nonce": "n"}, "store": store} | overrides
    return ceremonies.begin("oidc", **values)


def test_a_ceremony_is_finished_once_by_its_browser(memory_store):
    secret = begin(memory_store)
    assert ceremonies.peek(secret, "oidc", browser=BROWSER, store=memory_store).data == {"nonce": "n"}
    assert ceremonies.finish(secret, "oidc", browser=BROWSER, store=memory_store).data == {"nonce": "n"}
    with pytest.raises(ceremonies.CeremonyGone):
        ceremonies.finish(secret, "oidc", browser=BROWSER, store=memory_store)


@pytest.mark.parametrize(
    "secret_of, kind, browser",
    [
        (lambda s: s, "oidc", "b" * 64),  # another browser (a forwarded link, a forced callback)
        (lambda s: s, "oidc", None),  # a browser without the flow cookie
        (lambda s: s, "passkey-sign-in", BROWSER),  # a ceremony of another kind
        (lambda s: s + "x", "oidc", BROWSER),  # a guessed secret
        (lambda s: "", "oidc", BROWSER),
        (lambda s: "x" * 10_000, "oidc", BROWSER),
    ],
)
def test_anyone_else_is_refused(memory_store, secret_of, kind, browser):
    secret = begin(memory_store)
    with pytest.raises(ceremonies.CeremonyGone):
        ceremonies.finish(secret_of(secret), kind, browser=browser, store=memory_store)


def test_an_expired_ceremony_is_refused(memory_store, monkeypatch):
    secret = begin(memory_store, seconds=60)
    later = time.time() + 61
    monkeypatch.setattr(ceremonies.time, "time", lambda: later)
    with pytest.raises(ceremonies.CeremonyGone):
        ceremonies.peek(secret, "oidc", browser=BROWSER, store=memory_store)


def test_of_two_racing_finishes_one_wins(memory_store):
    secret = begin(memory_store)
    won, lost, gate = [], [], threading.Barrier(8)

    def race():
        gate.wait()
        try:
            won.append(ceremonies.finish(secret, "oidc", browser=BROWSER, store=memory_store))
        except ceremonies.CeremonyGone:
            lost.append(1)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(won), len(lost)) == (1, 7)


def test_only_the_secrets_hash_is_stored(memory_store):
    secret = begin(memory_store)
    stored = memory_store.db.table("ceremonies")
    assert secret not in repr(stored) and len(stored) == 1


def request_with(cookie: str = ""):
    return SimpleNamespace(headers={"cookie": cookie} if cookie else {})


def test_the_flow_cookie_is_made_once_and_read_back():
    first, header = flows.start(request_with())
    assert header.startswith(f"{cookies.FLOW}=") and "HttpOnly" in header and "SameSite=Lax" in header
    value = header.split(";")[0].split("=", 1)[1]
    again, none = flows.start(request_with(f"{cookies.FLOW}={value}"))
    assert (again, none) == (first, None)
    assert flows.browser(request_with(f"{cookies.FLOW}={value}")) == first
    assert (
        flows.browser(request_with()) is None and flows.browser(request_with(f"{cookies.FLOW}=short")) is None
    )


def test_a_cross_site_post_flow_keeps_the_browser_but_relaxes_same_site():
    _, header = flows.start(request_with())
    value = header.split(";")[0].split("=", 1)[1]
    same, relaxed = flows.start(request_with(f"{cookies.FLOW}={value}"), cross_site_post=True)
    assert same == flows.browser(request_with(f"{cookies.FLOW}={value}"))
    assert "SameSite=None" in relaxed and "Secure" in relaxed


def test_another_browser_holding_the_secret_cannot_spend_the_owners_ceremony(memory_store):
    secret = begin(memory_store)
    with pytest.raises(ceremonies.CeremonyGone):
        ceremonies.finish(secret, "oidc", browser="b" * 64, store=memory_store)
    assert ceremonies.finish(secret, "oidc", browser=BROWSER, store=memory_store).kind == "oidc"
