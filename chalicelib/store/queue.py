"""The mail queue's producer. The consumer is the Chalice SQS handler in routes/workers.py."""

from __future__ import annotations

import json
from functools import lru_cache

from chalicelib.config import get_settings
from chalicelib.store.aws import client

MAX_BATCH_BYTES = 240_000  # SQS allows 256 KiB per SendMessageBatch call


@lru_cache(maxsize=1)
def _queue_url() -> str:
    return client("sqs").get_queue_url(QueueName=get_settings().mail_queue)["QueueUrl"]


def send(messages: list[dict]) -> None:
    """Send messages, ten (or 240 kB) per call; raises if any is refused."""
    batch: list[str] = []
    size = 0
    for message in messages:
        body = json.dumps(message, separators=(",", ":"))
        if batch and (len(batch) == 10 or size + len(body) > MAX_BATCH_BYTES):
            _send_batch(batch)
            batch, size = [], 0
        batch.append(body)
        size += len(body)
    if batch:
        _send_batch(batch)


def _send_batch(bodies: list[str]) -> None:
    entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies)]
    result = client("sqs").send_message_batch(QueueUrl=_queue_url(), Entries=entries)
    if result.get("Failed"):
        raise RuntimeError(f"SQS refused {len(result['Failed'])} messages: {result['Failed'][0]}")
