"""Idempotency-Key: a retried request returns its first result instead of acting twice.

A key is scoped to the issuer, the operation and its path: the same key sent to another badge class's
awards is another request. Keys are kept for a day.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.errors import Conflict, Invalid
from chalicelib.services.shared import ids
from chalicelib.store.awards import Remembered

if TYPE_CHECKING:
    from chalicelib.store import Store

MAX_KEY = 200
KEEP_SECONDS = 86400


def remembered(
    issuer_id: str, operation: str, key: str | None, body: object, result_id: str, at: datetime
) -> Remembered | None:
    """What the store keeps under this request's scoped key (None without a key)."""
    if not key:
        return None
    if len(key) > MAX_KEY:
        raise Invalid(f"Idempotency-Key must be at most {MAX_KEY} characters.")
    return Remembered(issuer_id, operation, key, result_id, _digest(body), int(at.timestamp()) + KEEP_SECONDS)


def check_same_request(first: Remembered, key: Remembered) -> None:
    if not first.same_request(key):
        raise Conflict("This Idempotency-Key was already used for a different request.")


def first_result(key: Remembered, *, store: Store) -> str | None:
    """The result id stored under the key, None if it is new; Conflict when it came with another body."""
    first = store.awards.remembered(key.issuer_id, key.operation, key.key)
    if first is None:
        return None
    check_same_request(first, key)
    return first.result_id


def unscoped(issuer_id: str, key: str, at: datetime, *, store: Store) -> Remembered | None:
    """A live key stored before keys were scoped (issuer only), else None.

    Such keys expire within a day of this change; then this (and its one GetItem) can go."""
    old = store.awards.remembered(issuer_id, None, key)
    # DynamoDB deletes expired items late
    return old if old is not None and old.ttl >= at.timestamp() else None


def _digest(body: object) -> str:
    return ids.sha256_hex(json.dumps(body, sort_keys=True, default=str))
