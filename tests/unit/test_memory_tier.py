"""The fast tier's fixtures (tests/support/memory.py): the app on a MemoryStore, and AWS refused."""

from __future__ import annotations

import pytest

from tests.support.memory import TouchedAws, run_mail_queue


def test_memory_store_is_the_current_store_for_the_test(memory_store):
    from chalicelib.store import current

    assert current() is memory_store
    assert memory_store.mail.sent == [] and memory_store.queue.messages == []


def test_an_aws_call_fails_a_memory_store_test(memory_store):
    import boto3

    from chalicelib.store import aws

    with pytest.raises(TouchedAws, match="called AWS: sqs ListQueues"):
        aws.client("sqs").list_queues()
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    with pytest.raises(TouchedAws, match="called AWS: dynamodb ListTables"):
        dynamodb.list_tables()


def test_the_app_answers_on_the_memory_store(memory_client):
    response = memory_client.http.get("/terms")
    assert response.status_code == 200 and b"<h1" in response.body


def test_an_empty_mail_queue_runs_nothing(memory_store):
    assert run_mail_queue(memory_store) == 0
