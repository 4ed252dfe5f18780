"""Test-wide settings: fixed before any chalicelib import (models read settings at import); the `moto`
marker; the fast tier's fixtures."""

import os

import pytest

for name, value in {
    "STAGE": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "PUBLIC_BASE_URL": "https://badges.example",
    # The forms' proof of work at a low cost (50,000 deployed): tests solve it in milliseconds. The live
    # stacks of e2e and browser tests inherit it (tests/support/live.py starts them from this environment).
    "ALTCHA_COST": "1000",
}.items():
    os.environ.setdefault(name, value)
os.environ.pop("AWS_ENDPOINT_URL", None)

# The fast tier's fixtures (memory_store, memory_client) for every folder.
pytest_plugins = ["tests.support.memory"]


def pytest_collection_modifyitems(items) -> None:
    """Mark `moto` every test that runs on in-process moto: it uses the `aws` fixture (unit tests), runs the
    contract suite's DynamoDB half, or its module uses mock_aws itself. `make test-fast` leaves them out."""
    import pytest

    for item in items:
        callspec = getattr(item, "callspec", None)
        on_dynamo = callspec is not None and callspec.params.get("store") == "dynamo"
        module = getattr(item, "module", None)
        if "aws" in item.fixturenames or on_dynamo or hasattr(module, "mock_aws"):
            item.add_marker(pytest.mark.moto)


@pytest.fixture
def one_rate_window(monkeypatch):
    """Rate limits count in fixed windows (services/shared/ratelimit.py: a quarter hour for passwords): a
    test that counts parallel tries against a limit holds one instant, so it never straddles a window's end
    (two CI runs failed exactly at :00 and :15). Only the limits' clock stops; moto's and the rest run on."""
    from types import SimpleNamespace

    from chalicelib.services.shared import ratelimit

    now = ratelimit.time.time()
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now))
