"""One-time proofs mailed to a person: the 6-digit code (activation, address confirmation, merge) and
the single-use link. One home for how they are made, hashed, tried and spent:

- a code is randbelow(10**6), kept only as a salted SHA-256; each try is counted before the code is
  compared, and the 5th try is the last (the count is the store's, so parallel tries each count);
- a busy store is Busy (503, try again), never "this code is no longer valid": only a code that is
  used up, spent or replaced is dead;
- a link is a random secret, kept only as its SHA-256, of one kind, until it expires or is used.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from chalicelib.errors import Changed, Invalid
from chalicelib.services.shared import ids

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.codes import OneTimeToken

MAX_ATTEMPTS = 5
MAX_LINK = 100  # longer "secrets" are not ours: not even looked up


class Hashed(Protocol):
    code_hash: str
    salt: str
    attempts: int


Code = TypeVar("Code", bound=Hashed)


def new_code() -> tuple[str, str]:
    """A fresh 6-digit code and the salt it is hashed with."""
    return f"{secrets.randbelow(10**6):06d}", secrets.token_hex(8)


def code_hash(salt: str, code: str, *, scope: str = "") -> str:
    """The stored form of a code (`scope` keeps one kind's hashes apart from another's)."""
    return ids.sha256_hex(f"{scope}{salt}:{code}")


def cleaned(code: str | None) -> str:
    """A code as typed, without spaces."""
    return (code or "").strip().replace(" ", "")


def code_error(detail: str) -> Invalid:
    return Invalid(detail, errors=[{"field": "code", "detail": detail}])


def check(code: str, tried: Callable[[], Code], *, dead: Invalid, scope: str = "") -> Code:
    """Count one try (`tried`: the store's count, refused with Changed once used up or gone), then
    compare; the stored code when `code` is right. Busy passes through: nothing was counted."""
    try:
        stored = tried()
    except Changed:
        raise dead from None
    if not (
        len(code) == 6 and hmac.compare_digest(stored.code_hash, code_hash(stored.salt, code, scope=scope))
    ):
        left = MAX_ATTEMPTS - stored.attempts
        raise code_error(f"This code is not right; {left} tries left." if left else dead.detail)
    return stored


def new_link() -> tuple[str, str]:
    """A fresh link secret (it goes in the mail) and its hash (it goes in the store)."""
    token = ids.new_secret()
    return token, ids.sha256_hex(token)


def link_hash(token: str) -> str:
    return ids.sha256_hex(token)


def live_link(token: str, kind: str, *, store: Store) -> OneTimeToken | None:
    """The unexpired link of this kind, or None."""
    if not token or len(token) > MAX_LINK:
        return None
    found = store.codes.token(link_hash(token))
    return found if found is not None and found.kind == kind and found.expires_at > time.time() else None
