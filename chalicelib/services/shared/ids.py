"""Identifiers, secrets and the clock, in one place so tests and rules agree."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime


def new_id() -> str:
    """An unguessable, URL-safe identifier (128 bits) that starts with a letter or digit.

    A leading "-" would read as an option on command lines (`make keys KEY=-x…`)."""
    while True:
        value = secrets.token_urlsafe(16)
        if value[0].isalnum():
            return value


# Ours are 22 characters. Longer "ids" from a URL or a filter name no object: they must never reach a
# DynamoDB key, which DynamoDB caps at 2048 bytes (1024 for sort keys) with a ValidationException.
MAX_ID_LENGTH = 200


def plausible_id(value: str) -> bool:
    """Whether a client-given id could name one of our objects (so it is safe to look up)."""
    return 0 < len(value) <= MAX_ID_LENGTH


def new_secret() -> str:
    """A bearer secret (256 bits)."""
    return secrets.token_urlsafe(32)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def now() -> datetime:
    """The current UTC time at second precision (what the documents carry)."""
    return datetime.now(UTC).replace(microsecond=0)
