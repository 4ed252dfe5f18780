"""The "I'm not a robot" check of the open forms (services/shared/proof_of_work.py), on the memory store:
a form without a valid, unspent solution is 422 with a sentence and leaves nothing behind (no counter, no
record, no mail); a solution works once; an expired, re-signed or tampered challenge is refused; an
oversized payload is refused before anything decodes it; the forms' own rate limits and honeypot stay."""

from __future__ import annotations

import base64
import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from markupsafe import escape

from chalicelib.config import ConfigError
from chalicelib.services.shared import proof_of_work
from tests.support.altcha import challenge, solve, solved
from tests.support.earners import Browser, registration
from tests.support.memory import run_mail_queue

pytestmark = pytest.mark.usefixtures("cheap_passwords")
ADA = "ada@example.org"
FORMS = ("register", "forgot", "activation resend", "claim resend")


def snapshot(store) -> tuple:
    """Everything a request could leave behind: every table (counters included), the queue, the mail."""
    tables = {name: dict(rows) for name, rows in store.db._tables.items() if rows}
    return tables, list(store.queue.messages), len(store.mail.sent)


def claim_path(store, email: str) -> str:
    run_mail_queue(store)
    notice = [m for m in store.mail.sent if m["to"] == email and "claim_url" in m.get("data", {})][-1]
    return urlsplit(notice["data"]["claim_url"]).path


@pytest.fixture
def awarded(memory_issuer, memory_store):
    """An award to Ada, its notice mailed: the path of her claim link."""
    from tests.support.inprocess import data_uri, png_bytes

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
    assert badge.status_code == 201, badge.body
    r = memory_issuer.api.call(
        "POST", f"/api/v1/badgeclasses/{badge.json['id']}/assertions", {"recipient_email": ADA}
    )
    assert r.status_code == 201, r.body
    return claim_path(memory_store, ADA)


def registered(client, path: str) -> Browser:
    """Ada registered from her claim link (a solved form): her activation waits, the link is used."""
    browser = Browser(client)
    page = browser.get(path)
    r = browser.post("/register", registration(path.rsplit("/", 1)[-1], _csrf(page.text)))
    assert r.status_code == 200 and "6-digit code" in r.text, r.text
    return browser


def _csrf(text: str) -> str:
    from tests.support.earners import csrf_token

    return csrf_token(text)


def form_for(kind: str, client, store, path: str) -> tuple[Browser, str, dict]:
    """A person's browser on the page of `kind`, and that form as it would be posted (without "altcha")."""
    browser = Browser(client)
    if kind == "register":
        page = browser.get(path)
        form = registration(path.rsplit("/", 1)[-1], _csrf(page.text), altcha="")
        return browser, "/register", {k: v for k, v in form.items() if k != "altcha"}
    registered(client, path)
    run_mail_queue(store)
    if kind == "forgot":
        return browser, "/password/forgot", {"csrf_token": browser.csrf("/password/forgot"), "email": ADA}
    if kind == "activation resend":
        return browser, "/activate/resend", {"csrf_token": browser.csrf("/activate"), "email": ADA}
    page = browser.get(path)  # the used link offers a fresh one
    assert page.status_code == 410 and "Send me a fresh link" in page.text
    return browser, path + "/resend", {"csrf_token": _csrf(page.text)}


@pytest.mark.parametrize("kind", FORMS)
@pytest.mark.parametrize("sent", ["missing", "empty", "garbage", "not json", "signed elsewhere"])
def test_form_without_solution_is_422_and_writes_nothing(memory_client, memory_store, awarded, kind, sent):
    browser, action, form = form_for(kind, memory_client, memory_store, awarded)
    values = {
        "missing": None,
        "empty": "",
        "garbage": "x" * 200,
        "not json": base64.b64encode(b"I am a robot").decode(),
        "signed elsewhere": solve(_forged("a key found on the internet")),
    }
    if values[sent] is not None:
        form["altcha"] = values[sent]
    before = snapshot(memory_store)
    r = browser.post(action, form)
    assert r.status_code == 422, r.text
    assert f'<p class="error" id="altcha-error" role="alert">{escape(proof_of_work.UNSOLVED)}</p>' in r.text
    assert "<altcha-widget" in r.text  # the form again, with a fresh check to tick
    assert snapshot(memory_store) == before  # no counter, no record, nothing queued or mailed

    done = browser.post(action, {**form, "altcha": solved(memory_store)})  # the same form, solved
    assert done.status_code == 200, done.text
    assert snapshot(memory_store) != before


def test_replayed_solution_is_refused(memory_client, memory_store, awarded):
    registered(memory_client, awarded)
    payload = solved(memory_store)
    browser = Browser(memory_client)
    form = {"csrf_token": browser.csrf("/password/forgot"), "email": ADA, "altcha": payload}
    assert browser.post("/password/forgot", form).status_code == 200
    before = snapshot(memory_store)
    again = Browser(memory_client)  # another browser, same captured payload
    replay = again.post("/password/forgot", {**form, "csrf_token": again.csrf("/password/forgot")})
    assert replay.status_code == 422 and escape(proof_of_work.USED) in replay.text
    after = snapshot(memory_store)
    assert after[1:] == before[1:]  # nothing queued or mailed by the replay
    changed = {key for key, n in after[0]["rates"].items() if before[0]["rates"].get(key) != n}
    assert [key for key, _ in changed] == [
        proof_of_work.ONCE._key(json.loads(base64.b64decode(payload))["challenge"]["signature"])
    ]


def test_of_parallel_replays_exactly_one_passes(memory_store, one_rate_window):
    payload = solved(memory_store)

    def attempt(_):
        try:
            proof_of_work.require_solved({"altcha": payload}, store=memory_store)
        except proof_of_work.NotSolved as refused:
            return refused.detail
        return "passed"

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(attempt, range(16)))
    assert results.count("passed") == 1 and results.count(proof_of_work.USED) == 15


def test_expired_challenge_is_refused(memory_store, monkeypatch):
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - proof_of_work.LIFETIME - 1)
    old = challenge(memory_store)  # made eleven minutes ago
    monkeypatch.setattr(time, "time", real)
    with pytest.raises(proof_of_work.NotSolved) as refused:
        proof_of_work.require_solved({"altcha": solve(old)}, store=memory_store)
    assert refused.value.detail == proof_of_work.EXPIRED and refused.value.status == 422


def _forged(signed_with: str, expires_in: int | None = 600) -> dict:
    """A challenge someone else made (cost 1000, a counter of 3: solved at once)."""
    import altcha

    expiry = None if expires_in is None else int(time.time()) + expires_in
    made = altcha.create_challenge(
        proof_of_work.ALGORITHM, 1000, counter=3, expires_at=expiry, hmac_secret=signed_with
    )
    return made.to_dict()


def _encoded(sent: dict) -> str:
    return base64.b64encode(json.dumps(sent).encode()).decode()


@pytest.mark.parametrize(
    "tamper",
    [
        "signed with another key",
        "cost lowered",
        "expiry pushed back",
        "key signature dropped",
        "no signature",
        "our key but no expiry",
    ],
)
def test_resigned_or_tampered_challenge_is_refused(memory_store, tamper):
    sent = json.loads(base64.b64decode(solved(memory_store)))  # a genuine solution, then changed
    parameters = sent["challenge"]["parameters"]
    if tamper == "signed with another key":
        payload = solve(_forged("the attacker's own key"))
    elif tamper == "our key but no expiry":  # we never make one: it would be good for ever
        payload = solve(_forged(proof_of_work.DEVELOPMENT_KEY, expires_in=None))
    else:
        if tamper == "cost lowered":
            parameters["cost"] = 1
        elif tamper == "expiry pushed back":
            parameters["expiresAt"] += 86400
        elif tamper == "key signature dropped":  # would skip the fast check and trust any derived key
            del parameters["keySignature"]
        else:
            del sent["challenge"]["signature"]
        payload = _encoded(sent)
    with pytest.raises(proof_of_work.NotSolved) as refused:
        proof_of_work.require_solved({"altcha": payload}, store=memory_store)
    assert refused.value.detail == proof_of_work.UNSOLVED
    assert memory_store.db._tables.get("rates", {}) == {}  # refused before the single-use counter


def test_a_wrong_derived_key_is_refused(memory_store):
    sent = json.loads(base64.b64decode(solved(memory_store)))
    sent["solution"]["derivedKey"] = "00" * 32
    with pytest.raises(proof_of_work.NotSolved):
        proof_of_work.require_solved({"altcha": _encoded(sent)}, store=memory_store)


def test_checking_a_solution_derives_no_key(memory_store, monkeypatch):
    """Two HMACs, no PBKDF2: a flood of forms costs us next to nothing (ALTCHA's deterministic mode)."""
    import hashlib

    payload = solved(memory_store)
    derived = []
    real = hashlib.pbkdf2_hmac
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", lambda *a, **k: derived.append(a) or real(*a, **k))
    proof_of_work.require_solved({"altcha": payload}, store=memory_store)
    assert derived == []


def test_oversized_payload_is_refused_without_hashing(memory_store, monkeypatch):
    import altcha

    calls = []
    real_parse, real_verify = altcha.Payload.from_base64, altcha.verify_solution
    monkeypatch.setattr(altcha.Payload, "from_base64", lambda data: calls.append("parse") or real_parse(data))
    monkeypatch.setattr(
        altcha, "verify_solution", lambda *a, **k: calls.append("verify") or real_verify(*a, **k)
    )
    valid = solved(memory_store)
    oversized = valid + " " * (proof_of_work.MAX_PAYLOAD + 1 - len(valid))  # base64 would skip the spaces
    with pytest.raises(proof_of_work.NotSolved):
        proof_of_work.require_solved({"altcha": oversized}, store=memory_store)
    assert calls == []  # never decoded, never hashed
    proof_of_work.require_solved({"altcha": valid}, store=memory_store)  # the spies see a real one
    assert calls == ["parse", "verify"]


def test_an_oversized_form_field_is_a_422_page(memory_client, memory_store):
    browser = Browser(memory_client)
    form = {
        "csrf_token": browser.csrf("/password/forgot"),
        "email": ADA,
        "altcha": "A" * 20_000,
    }  # under the form cap
    r = browser.post("/password/forgot", form)
    assert r.status_code == 422 and memory_store.queue.messages == []


def test_rate_limits_still_apply_when_solved(memory_client, memory_store, awarded):
    registered(memory_client, awarded)
    browser = Browser(memory_client)
    statuses = [
        browser.post(
            "/activate/resend",
            {"csrf_token": browser.csrf("/activate"), "email": ADA, "altcha": solved(memory_store)},
        ).status_code
        for _ in range(2)
    ]
    assert statuses == [200, 429]  # one activation mail a minute, solved or not


def test_the_honeypot_still_answers_alike_and_creates_nothing(memory_client, memory_store, awarded):
    browser = Browser(memory_client)
    page = browser.get(awarded)
    form = registration(awarded.rsplit("/", 1)[-1], _csrf(page.text), website="https://spam.example")
    r = browser.post("/register", form)
    assert r.status_code == 200 and "6-digit code" in r.text
    assert memory_store.accounts.owner_of(ADA) is None


def test_a_busy_store_is_503_and_does_not_spend_the_solution(memory_client, memory_store, awarded):
    registered(memory_client, awarded)
    browser = Browser(memory_client)
    form = {"csrf_token": browser.csrf("/password/forgot"), "email": ADA, "altcha": solved(memory_store)}
    memory_store.db.faults.busy_next()  # the single-use count is refused, as a throttled UpdateItem is
    busy = browser.post("/password/forgot", form)
    assert busy.status_code == 503 and "already used" not in busy.text
    assert browser.post("/password/forgot", form).status_code == 200  # the retry passes: nothing was spent


# --- the key ---------------------------------------------------------------------------------------


@pytest.fixture
def stage(monkeypatch):
    """Set STAGE and ALTCHA_SECRET_PARAMETER for the settings read after it; the test stage comes back."""
    from chalicelib.config import get_settings

    def use(value: str, parameter: str = ""):
        monkeypatch.setenv("STAGE", value)
        monkeypatch.setenv("ALTCHA_SECRET_PARAMETER", parameter)
        get_settings.cache_clear()

    yield use
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.parametrize("value", ["prod", "dev", "Local", "testing"])
def test_a_deployed_stage_without_a_key_makes_and_accepts_no_challenge(
    memory_client, memory_store, stage, value
):
    payload = solved(memory_store)  # signed with the development key, which is in this repository
    stage(value)
    with pytest.raises(ConfigError, match="ALTCHA_SECRET_PARAMETER is not set"):
        proof_of_work.new_challenge(store=memory_store)
    with pytest.raises(ConfigError):
        proof_of_work.require_solved({"altcha": payload}, store=memory_store)
    r = memory_client.http.get("/altcha/challenge")
    assert r.status_code == 500 and b"signature" not in r.body


def test_a_deployed_stage_signs_with_its_secret_and_refuses_the_development_key(memory_store, stage):
    development = solved(memory_store)
    memory_store.secrets.values["/laurel/prod/altcha"] = "a long random key kept in SSM"
    stage("prod", "/laurel/prod/altcha")
    with pytest.raises(proof_of_work.NotSolved):
        proof_of_work.require_solved({"altcha": development}, store=memory_store)
    proof_of_work.require_solved({"altcha": solved(memory_store)}, store=memory_store)
    memory_store.secrets.values["/laurel/prod/altcha"] = ""
    with pytest.raises(ConfigError, match="empty"):
        proof_of_work.new_challenge(store=memory_store)


def test_a_replay_is_refused_on_dynamodb_too(client):
    """The single-use count is one UpdateItem ADD on the accounts table (in-process moto): the second
    sending of the same payload reads 2, not 1."""
    payload = solved()
    browser = Browser(client)
    form = {"csrf_token": browser.csrf("/password/forgot"), "email": ADA, "altcha": payload}
    assert browser.post("/password/forgot", form).status_code == 200
    replay = browser.post("/password/forgot", form)
    assert replay.status_code == 422 and escape(proof_of_work.USED) in replay.text
