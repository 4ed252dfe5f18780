"""Idempotency-Key: a retried request returns its first result instead of acting twice.

A key is scoped to the issuer, the operation and its path: the same key sent to another badge class's
awards is another request. Keys are kept for a day.
"""

from __future__ import annotations

import json
from datetime import datetime

from chalicelib.errors import Conflict, Invalid
from chalicelib.services.shared import ids
from chalicelib.store.models import IdempotencyItem

MAX_KEY = 200
KEEP_SECONDS = 86400


def remembered(
    issuer_id: str, operation: str, key: str | None, body: object, result_id: str, at: datetime
) -> IdempotencyItem | None:
    """The item that remembers this request's result under its scoped key (None without a key)."""
    if not key:
        return None
    if len(key) > MAX_KEY:
        raise Invalid(f"Idempotency-Key must be at most {MAX_KEY} characters.")
    return IdempotencyItem(
        f"IDEM#{issuer_id}#{operation}#{key}",
        "IDEM",
        result_id=result_id,
        request_hash=_digest(body),
        ttl=int(at.timestamp()) + KEEP_SECONDS,
    )


def first_result(idem: IdempotencyItem) -> str:
    """The result id stored under idem's key; Conflict when that key came with another body."""
    first = IdempotencyItem.get(idem.pk, "IDEM")
    check_same_request(first, idem)
    return first.result_id


def check_same_request(first: IdempotencyItem, idem: IdempotencyItem) -> None:
    if first.request_hash != idem.request_hash:
        raise Conflict("This Idempotency-Key was already used for a different request.")


def unscoped(issuer_id: str, key: str, at: datetime) -> IdempotencyItem | None:
    """A live key stored before keys were scoped (issuer only), else None.

    Such keys expire within a day of this change; then this (and its one GetItem) can go."""
    try:
        old = IdempotencyItem.get(f"IDEM#{issuer_id}#{key}", "IDEM")
    except IdempotencyItem.DoesNotExist:
        return None
    return old if old.ttl >= at.timestamp() else None  # DynamoDB deletes expired items late


def _digest(body: object) -> str:
    return ids.sha256_hex(json.dumps(body, sort_keys=True, default=str))
