"""The fast tier's fixtures: rule tests on the in-memory store, no AWS and no moto (a pytest plugin, loaded
by tests/conftest.py, so every folder can use them)::

    def test_a_rule(memory_store):                 # chalicelib.store.current() is this MemoryStore
        some_use_case(..., store=memory_store)
        assert memory_store.mail.sent[-1]["to"] == "ada@example.org"

    def test_a_page(memory_client, memory_store):  # the Chalice test client, the app on the memory store
        r = memory_client.http.get("/")
        run_mail_queue(memory_store)               # the mail worker on every queued message

Any AWS call made during such a test fails it at once (a use case that still reaches AWS directly is
not ready for this tier): move the test when its service takes `store=` and no sooner.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from chalicelib.store.memory import MemoryStore


class TouchedAws(AssertionError):
    """A test on the memory store called AWS."""


def _refuse_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every botocore call (boto3 and PynamoDB alike) fails the test. Patched on botocore's class, never on
    our modules: a module first imported during the test would keep a patched function for good."""
    from botocore.client import BaseClient

    def refused(client, operation_name, api_params):
        service = client.meta.service_model.service_name
        raise TouchedAws(f"a memory-store test called AWS: {service} {operation_name}")

    monkeypatch.setattr(BaseClient, "_make_api_call", refused)


@pytest.fixture
def memory_store(monkeypatch) -> Iterator[MemoryStore]:
    """A fresh MemoryStore that chalicelib.store.current() returns for this test; AWS refused."""
    from chalicelib import store
    from chalicelib.store.memory import MemoryStore

    _refuse_aws(monkeypatch)
    fresh = MemoryStore()
    store.use(fresh)
    try:
        yield fresh
    finally:
        store.use(None)


@pytest.fixture
def memory_client(memory_store):
    """Chalice's in-process test client, the app running on `memory_store`."""
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield client


def run_mail_queue(store: MemoryStore, limit: int = 1000) -> int:
    """Run the mail worker on every queued message (and on what it queues), as Lambda's SQS trigger
    would; returns how many it handled."""
    from app import mail_worker

    handled = 0
    while messages := store.queue.drain():
        for message in messages:
            record = {
                "messageId": f"memory-{handled}",
                "receiptHandle": f"memory-{handled}",
                "body": json.dumps(message, separators=(",", ":")),
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:laurel-mail",
            }
            mail_worker({"Records": [record]}, None)
            handled += 1
            if handled > limit:
                raise AssertionError(f"the mail queue never ran dry ({limit} messages)")
    return handled
