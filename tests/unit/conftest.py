"""Unit tests: in-process moto, the Chalice test client, one issuer with a key; the fixtures several test
modules share (earners, backpack imports, merging). Helpers to import are in tests/support/."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from moto import mock_aws

from chalicelib.store import current
from tests.support.accounts import ADA, award, claim_path_for, last_to, register
from tests.support.earners import PASSWORD, activation_code
from tests.support.inprocess import Api, data_uri, png_bytes
from tests.support.merging import OLD, OTHER_PASSWORD, make_account

_LOADERS: dict = {}


@pytest.fixture(autouse=True)
def shared_botocore_loader(monkeypatch):
    """Every botocore session shares one data loader, so the clients each test creates afresh skip
    re-reading the service models (about a second a test). The loaded models are only read."""
    import botocore.session
    from botocore.loaders import create_loader

    def shared(path=None):
        if path not in _LOADERS:
            _LOADERS[path] = create_loader(path)
        return _LOADERS[path]

    monkeypatch.setattr(botocore.session, "create_loader", shared)


@pytest.fixture
def aws():
    from chalicelib.store import aws as aws_clients
    from chalicelib.store.dynamo.models import reset_connections
    from local.bootstrap import bootstrap

    with mock_aws():
        aws_clients.reset()
        reset_connections()
        bootstrap(None)
        yield
    aws_clients.reset()
    reset_connections()


@pytest.fixture
def client(aws):
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def issuer(client):
    from chalicelib.services.issuing import issuers

    item, key = issuers.create_issuer(
        name="Open Skills Consortium",
        url="https://skills.example",
        email="badges@skills.example",
        store=current(),
    )
    return SimpleNamespace(id=item.id, key=key, api=Api(client, key))


@pytest.fixture
def badge_class(issuer):
    response = issuer.api.call(
        "POST",
        "/api/v1/badgeclasses",
        {
            "name": "Data Literacy",
            "description": "Reads and questions data.",
            "image": data_uri(png_bytes()),
            "criteria_narrative": "Pass the **data** assessment.",
            "tags": ["data", "statistics"],
            "alignment": [{"targetName": "ESCO data skills", "targetUrl": "https://esco.example/skill/1"}],
            "expires_after": {"amount": 2, "unit": "years"},
        },
    )
    assert response.status_code == 201, response.body
    return response.json


@pytest.fixture
def no_500(monkeypatch):
    """Fail the test at once if any Api.call answers 500."""
    original = Api.call

    def checked(self, *args, **kwargs):
        response = original(self, *args, **kwargs)
        assert response.status_code != 500, (args, response.status_code, response.body)
        return response

    monkeypatch.setattr(Api, "call", checked)


@pytest.fixture
def mails(monkeypatch) -> list[dict]:
    """Every SendEmail message, with both parts (moto keeps only one body)."""
    from chalicelib.store import mail

    sent: list[dict] = []
    original = mail.send_email

    def capture(to, subject, html, text):
        sent.append({"to": to, "subject": subject, "html": html, "text": text})
        return original(to, subject, html, text)

    monkeypatch.setattr(mail, "send_email", capture)
    return sent


# --- earners (tests/support/accounts.py) ---------------------------------------------------------


@pytest.fixture
def activated(client, issuer, badge_class, mails):
    """Ada, registered through her claim link and activated by code, signed in."""
    a = award(issuer, badge_class)
    browser, r = register(client, claim_path_for(ADA))
    assert r.status_code == 200, r.text
    code = activation_code(mails[-1]["html"])
    r = browser.post(
        "/activate", {"csrf_token": browser.csrf(), "email": ADA, "code": code, "password": PASSWORD}
    )
    assert r.status_code == 303 and r.headers["Location"] == "/backpack"
    browser.assertion_id = a["id"]
    return browser


@pytest.fixture
def ada(client, issuer, badge_class, mails):
    """Ada, activated by code from her claim link (her activation mail picked by address), signed in."""
    a = award(issuer, badge_class)
    browser, r = register(client, claim_path_for(ADA))
    assert r.status_code == 200, r.text
    code = activation_code(last_to(mails, ADA)["html"])
    r = browser.post(
        "/activate", {"csrf_token": browser.csrf(), "email": ADA, "code": code, "password": PASSWORD}
    )
    assert r.status_code == 303
    browser.assertion_id = a["id"]
    return browser


# --- backpack imports (tests/support/imports.py) -------------------------------------------------


@pytest.fixture
def web(client, monkeypatch):
    """The verifier's internet: https://badges.example is the app itself; elsewhere, the real safe fetcher."""
    from chalicelib.services.backpack import imports
    from chalicelib.services.verification import fetching

    fetched: list[str] = []

    def fetch(url: str):
        fetched.append(url)
        parts = urlsplit(url)
        if parts.hostname != "badges.example":
            return fetching.fetcher()(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        r = client.http.get(path, headers={"Accept": "application/ld+json, image/png, */*"})
        return r.status_code, r.headers.get("content-type", ""), r.body

    monkeypatch.setattr(imports, "_fetcher", lambda: fetch)
    return fetched


# --- merging accounts (tests/support/merging.py) -------------------------------------------------


@pytest.fixture
def cheap_passwords(monkeypatch):
    """Argon2 at its cheapest: these tests sign in and merge by password, they do not test hashing."""
    from argon2 import PasswordHasher

    from chalicelib.services.earners import passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", lambda: cheap)


@pytest.fixture
def accounts(client, issuer, badge_class):
    """Ada's account, an old account holding OLD (another password), and an award to each OLD address."""
    ada = make_account("ada@example.org")
    old = make_account(OLD[0], OTHER_PASSWORD, *OLD[1:])
    awarded = {award(issuer, badge_class, email=e)["id"] for e in OLD}
    return ada, old, awarded


@pytest.fixture
def memory_issuer(memory_client, memory_store):
    """An issuer with an API key on the in-memory store (fast tier): its calls go to the app on it."""
    from chalicelib.services.issuing import issuers

    item, key = issuers.create_issuer(
        name="Open Skills Consortium",
        url="https://skills.example",
        email="badges@skills.example",
        store=memory_store,
    )
    return SimpleNamespace(id=item.id, key=key, api=Api(memory_client, key))
