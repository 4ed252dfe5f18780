"""Social sign-in in tests: providers configured for a test, an existing account to link to, and one round
trip through the app (in-process, on the memory store's identity provider, store/memory/openid.py)::

    def test_x(oidc_providers, memory_client, memory_store):
        browser = Browser(memory_client)
        page = round_trip(browser, memory_store, "google", sub="g-1", email="ada@example.org")
"""

from __future__ import annotations

import json
from functools import cache
from urllib.parse import urlencode, urlsplit

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
