"""The API's page cursors: the last key a page read, as base64url JSON, checked before it is used.

A cursor reaches a query only if it is a key of that very query (its table keys plus the index's keys,
the index hash naming what was asked for): a forged one is refused (422), never sent to DynamoDB.
"""

from __future__ import annotations

import base64
import json

from chalicelib.errors import Invalid


def encode(key: dict | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def decode(cursor: str | None) -> dict | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise _bad_cursor() from None
    if not isinstance(key, dict):
        raise _bad_cursor()
    return key


def check(cursor: dict | None, hash_name: str, hash_value: str, range_name: str) -> None:
    """Refuse a cursor that is not a key of this very query (table keys plus the index's keys)."""
    if cursor is None:
        return
    names = {"pk", "sk", hash_name, range_name}
    if set(cursor) != names or cursor[hash_name] != {"S": hash_value}:
        raise _bad_cursor()
    if not all(_key_value(v) for v in cursor.values()):
        raise _bad_cursor()


def _key_value(value: object) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    text = value.get("S", value.get("N"))
    # within DynamoDB's sort key size: a forged ExclusiveStartKey must not make the query fail
    return isinstance(text, str) and ("S" in value or text.isdigit()) and len(text.encode()) <= 1024


def _bad_cursor() -> Invalid:
    return Invalid(
        "cursor is not one this API gave out.", errors=[{"field": "cursor", "detail": "is not valid"}]
    )
