"""Social sign-in in tests: providers configured for a test, an existing account to link to, and one round
trip through the app (in-process, on the memory store's identity provider, store/memory/openid.py)::

    def test_x(oidc_providers, memory_client, memory_store):
        browser = Browser(memory_client)
        page = round_trip(browser, memory_store, "google", sub="g-1", email="ada@example.org")
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import threading
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from tests.support.earners import PASSWORD

SECRET = "test-client-secret"
PROVIDERS = [
    {"id": "google", "kind": "google", "client_id": "laurel-google", "client_secret": "/laurel/test/google"},
    {
        "id": "corp",
        "kind": "generic",
        "label": "Corp ID",
        "issuer": "https://id.corp.example",
        "client_id": "laurel-corp",
        "client_secret": "/laurel/test/corp",
    },
    {"id": "microsoft", "kind": "microsoft", "client_id": "laurel-ms", "client_secret": "/laurel/test/ms"},
    {
        "id": "apple",
        "kind": "apple",
        "client_id": "org.laurel.web",
        "client_secret": "/laurel/test/apple-p8",
        "team_id": "TEAM123456",
        "key_id": "KEY1234567",
    },
]


@pytest.fixture
def oidc_providers(monkeypatch, memory_store):
    """OIDC_PROVIDERS set for this test (Google-like, a generic issuer, Microsoft), secrets in the store."""
    from chalicelib.config import get_settings

    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps(PROVIDERS))
    get_settings.cache_clear()
    for entry in PROVIDERS:
        memory_store.secrets.values[entry["client_secret"]] = SECRET
    memory_store.secrets.values["/laurel/test/apple-p8"] = apple_key().as_pem(private=True).decode()
    yield memory_store
    monkeypatch.delenv("OIDC_PROVIDERS")
    get_settings.cache_clear()


@cache
def apple_key():
    """The team's .p8 key (ES256) that Apple's client secret is signed with."""
    from joserfc.jwk import ECKey

    return ECKey.generate_key("P-256")


def verified_account(store, email: str, *, password: str | None = PASSWORD, first: str = "Ada"):
    """An open account holding `email` verified (with a password, or none)."""
    from chalicelib.services.earners import passwords
    from chalicelib.services.shared import ids
    from chalicelib.store.accounts import Account

    at = ids.now()
    account = Account(
        id=ids.new_id(),
        first_name=first,
        last_name="Lovelace",
        password_hash=passwords.hash_password(password) if password else None,
        primary_email=email,
        created_at=at,
        updated_at=at,
    )
    store.accounts.create_verified(account, email, holder=None)
    return account


def authorize_url(browser, provider: str = "google", path: str | None = None) -> str:
    """Start a sign-in as the login page's link does: the provider's authorize URL (flow cookie kept)."""
    start = browser.get(path or f"/login/oidc/{provider}")
    assert start.status_code == 303, start.text
    return start.headers["Location"]


def callback(browser, provider: str, answer: dict, *, post: bool = False):
    path = f"/login/oidc/{provider}/callback"
    if post:
        return browser.post(path, answer)
    return browser.get(f"{path}?{urlencode(answer)}")


def round_trip(browser, store, provider: str = "google", **claims):
    """Start, sign in at the provider with `claims`, come back: the callback's response."""
    url = authorize_url(browser, provider)
    return callback(browser, provider, store.openid.authorize(url, **claims))


def query(url: str) -> dict[str, str]:
    from urllib.parse import parse_qs

    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# --- a real OpenID provider (tests/oidc, node) beside a live stack: e2e and browser tests ------------------

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
TAMPER = ("tamper-wrong-nonce", "tamper-wrong-aud", "tamper-expired", "tamper-foreign-key")


def install() -> Path:
    """tests/oidc with its node_modules (npm ci from the committed lock file when missing)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("node and npm are needed for the test OpenID provider (tests/oidc)")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=OIDC_DIR,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-4000:])
    return OIDC_DIR


def start_idp(port: int, redirect_base: str) -> subprocess.Popen:
    """`node provider.mjs PORT REDIRECT_BASE`, once it prints "ready"."""
    proc = subprocess.Popen(
        ["node", "provider.mjs", str(port), redirect_base],
        cwd=install(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ready = threading.Event()

    def watch() -> None:
        for line in proc.stdout:
            if line.strip() == "ready":
                ready.set()

    threading.Thread(target=watch, daemon=True).start()
    if not ready.wait(30):
        proc.kill()
        raise RuntimeError("the test OpenID provider did not start (tests/oidc/provider.mjs)")
    return proc


def live_providers(idp_base: str) -> list[dict]:
    """OIDC_PROVIDERS for a stack beside the test provider: Google-like, generic, and the tamper clients
    (Google-like too); each secret named in SSM, never given."""
    google = f"{idp_base}/google"

    def entry(pid: str, kind: str, issuer: str, client_id: str, label: str) -> dict:
        secret = f"/laurel/local/oidc/{pid}"
        return {
            "id": pid,
            "kind": kind,
            "issuer": issuer,
            "client_id": client_id,
            "client_secret": secret,
            "label": label,
        }

    entries = [
        entry("google", "google", google, "laurel-google", "Google"),
        entry("corp", "generic", f"{idp_base}/generic", "laurel-generic", "Corp ID"),
    ]
    return entries + [entry(t, "google", google, t, t) for t in TAMPER]


@pytest.fixture(scope="module")
def oidc_live(tmp_path_factory):
    """The whole local stack beside the test OpenID provider, for one test file: OIDC_PROVIDERS set, the
    client secrets put into the stack's SSM, the provider's port open to the app (development stage)."""
    from local import serve
    from tests.support.live import Live

    app_port, moto_port, idp_port = serve.free_port(), serve.free_port(), serve.free_port()
    idp = start_idp(idp_port, f"http://127.0.0.1:{app_port}")
    idp_base = f"http://127.0.0.1:{idp_port}"
    entries = live_providers(idp_base)
    base = {**os.environ, "PUMP_RETRY_SECONDS": "1", "OIDC_PROVIDERS": json.dumps(entries)}
    log_path = tmp_path_factory.mktemp("oidc-live") / "stack.log"
    plain_env = serve.stack_env

    def with_idp(*args, **kw):  # the app may reach its own port (the verifier) and the provider's
        env = plain_env(*args, **kw)
        env["FETCH_ALLOW_LOOPBACK_PORTS"] += f",{idp_port}"
        return env

    try:
        with log_path.open("w") as log, pytest.MonkeyPatch.context() as patch:
            patch.setattr(serve, "stack_env", with_idp)
            stack = serve.start_stack(moto_port, app_port, log=log, base=base)
        live = Live(stack, log_path)
        try:
            ssm = live.aws("ssm")
            for item in entries:
                value = f"secret-{item['client_id']}"
                ssm.put_parameter(
                    Name=item["client_secret"], Value=value, Type="SecureString", Overwrite=True
                )
            live.idp_base = idp_base
            yield live
        finally:
            stack.stop()
    finally:
        idp.kill()
        idp.wait(5)


def idp_sign_in(http, authorize_url: str, login: str, app_base: str) -> str:
    """At the test provider: open the authorize URL, sign in as `login` (devInteractions), and follow its
    redirects until it sends the browser back to the app; that callback URL."""
    url = authorize_url
    form = None
    for _ in range(10):
        if form is not None:
            response = http.post(url, data=form, allow_redirects=False, timeout=30)
            form = None
        else:
            response = http.get(url, allow_redirects=False, timeout=30)
        location = response.headers.get("Location")
        if location:
            url = urljoin(url, location)
            if url.startswith(app_base):
                return url
            continue
        action = re.search(r'<form[^>]*action="([^"]+)"[^>]*method="post"', response.text)
        assert response.status_code == 200 and action, response.text[:2000]
        url = urljoin(url, html.unescape(action.group(1)))
        form = {"prompt": "login", "login": login, "password": "any"}
    raise AssertionError("the test provider never sent the browser back")


def award_badge(live):
    """An issuer and a badge class on this stack (the CLI, as `make issuer`): award(email) -> assertion."""
    from tests.support.issuing import IssuerApi
    from tests.support.live import run_issuer_cli

    made = run_issuer_cli(
        live, "create", "--name", "OIDC Academy", "--url", "https://oidc.example", "--email", "b@oidc.example"
    )
    assert made.returncode == 0, made.stderr
    api = IssuerApi(live.base_url, json.loads(made.stdout)["api_key"])
    badge_id = api.badge_class()["id"]
    return lambda email: api.award(badge_id, email)
