"""Page cursors: DynamoDB's LastEvaluatedKey as the API's opaque `cursor` (base64url of its JSON), and
the check that a cursor handed back is a key of the very query it is used for (a forged one must neither
read another issuer's items nor make the query fail)."""

from __future__ import annotations

import base64
import json

from chalicelib.errors import Invalid


def encode(key: dict | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def decode(cursor: str | None, hash_name: str, hash_value: str, range_name: str) -> dict | None:
    """The start key in `cursor`, if it is one of this query's keys (table keys plus the index's)."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise bad_cursor() from None
    if not isinstance(key, dict) or set(key) != {"pk", "sk", hash_name, range_name}:
        raise bad_cursor()
    if key[hash_name] != {"S": hash_value} or not all(_key_value(v) for v in key.values()):
        raise bad_cursor()
    return key


def _key_value(value: object) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    text = value.get("S", value.get("N"))
    # within DynamoDB's sort key size: a forged ExclusiveStartKey must not make the query fail
    return isinstance(text, str) and ("S" in value or text.isdigit()) and len(text.encode()) <= 1024


def bad_cursor() -> Invalid:
    return Invalid(
        "cursor is not one this API gave out.", errors=[{"field": "cursor", "detail": "is not valid"}]
    )
