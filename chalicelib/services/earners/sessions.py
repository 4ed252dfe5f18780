"""Signed-in browsers: start, find, refresh and end sessions, and how recently the password was given.

A session ends after IDLE_SECONDS without a request (sliding) or ABSOLUTE_SECONDS after sign-in,
whichever comes first (ASVS 3.3.2); "Keep me signed in" lengthens both. Sensitive changes (addresses,
merge, export) also want the password given within FRESH_SECONDS (routes ask again otherwise).
Only the SHA-256 of the cookie's secret is stored.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.errors import Busy, Changed
from chalicelib.services.shared import ids
from chalicelib.store.sessions import Session as Stored

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.accounts import Account

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 3600
KEEP_IDLE_SECONDS = 7 * 86400
KEEP_ABSOLUTE_SECONDS = 30 * 86400
FRESH_SECONDS = 10 * 60
# The idle end moves forward at most once per REFRESH_SECONDS, so a busy session costs one extra
# UpdateItem per 5 minutes, not one per request (the idle timeout is thus 25 to 30 minutes).
REFRESH_SECONDS = 5 * 60
MAX_TOKEN = 100


def now() -> float:
    """The clock every session rule reads (tests move it)."""
    return time.time()


@dataclass
class Session:
    """A live session and its account."""

    account: Account
    item: Stored

    @property
    def fresh(self) -> bool:
        """Whether the password was given recently enough for a sensitive change."""
        return now() - (self.item.signed_in_at or 0) < FRESH_SECONDS


def _idle(keep: bool) -> int:
    return KEEP_IDLE_SECONDS if keep else IDLE_SECONDS


def lifetime(keep: bool) -> int:
    """Seconds from sign-in to the absolute end (the cookie's Max-Age)."""
    return KEEP_ABSOLUTE_SECONDS if keep else ABSOLUTE_SECONDS


def start(account: Account, *, store: Store, keep: bool = False) -> str:
    """A new session for this account; returns the cookie's secret."""
    token, at = ids.new_secret(), int(now())
    store.sessions.start(
        Stored(
            token_hash=ids.sha256_hex(token),
            account_id=account.id,
            epoch=account.session_epoch or 0,
            created_at=ids.now(),
            ttl=at + lifetime(keep),
            idle_until=at + _idle(keep),
            signed_in_at=at,
            keep=keep,
        )
    )
    return token


def find(token: str, *, store: Store) -> Session | None:
    """The live session of this cookie, its idle end moved forward; None when unknown, idle too long,
    past its absolute end, ended by a password change, or its account was merged away."""
    if not token or len(token) > MAX_TOKEN:
        return None
    item = store.sessions.get(ids.sha256_hex(token))
    if item is None:
        return None
    at = now()
    if item.ttl <= at or (item.idle_until or 0) <= at:
        return None
    account = store.accounts.get(item.account_id)
    if account is None or (account.session_epoch or 0) != item.epoch or account.merged_into:
        return None
    _slide(item, at, store=store)
    return Session(account, item)


def _slide(item: Stored, at: float, *, store: Store) -> None:
    idle = _idle(bool(item.keep))
    if item.idle_until - idle + REFRESH_SECONDS > at:
        return  # moved recently enough
    # Ended meanwhile (logout in another tab), or a busy store: this request still sees it, and the
    # next one moves it (or finds it ended).
    with contextlib.suppress(Changed, Busy):
        store.sessions.slide(item.token_hash, int(at) + idle)


def confirm(session: Session, *, store: Store) -> None:
    """The password was given again: sensitive changes are allowed for FRESH_SECONDS."""
    at = int(now())
    store.sessions.confirm(
        session.item.token_hash, signed_in_at=at, idle_until=at + _idle(bool(session.item.keep))
    )


def end(token: str, *, store: Store) -> None:
    if token and len(token) <= MAX_TOKEN:
        store.sessions.end(ids.sha256_hex(token))
