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

from pynamodb.exceptions import UpdateError

from chalicelib.services.earners import accounts
from chalicelib.services.shared import ids
from chalicelib.store.models import AccountItem, SessionItem

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

    account: AccountItem
    item: SessionItem

    @property
    def fresh(self) -> bool:
        """Whether the password was given recently enough for a sensitive change."""
        return now() - (self.item.signed_in_at or 0) < FRESH_SECONDS


def _idle(keep: bool) -> int:
    return KEEP_IDLE_SECONDS if keep else IDLE_SECONDS


def lifetime(keep: bool) -> int:
    """Seconds from sign-in to the absolute end (the cookie's Max-Age)."""
    return KEEP_ABSOLUTE_SECONDS if keep else ABSOLUTE_SECONDS


def _item(token: str) -> SessionItem:
    return SessionItem(f"SESSION#{ids.sha256_hex(token)}", "SESSION")


def start(account: AccountItem, *, keep: bool = False) -> str:
    """A new session for this account; returns the cookie's secret."""
    token, at = ids.new_secret(), now()
    item = _item(token)
    item.account_id, item.epoch, item.created_at = account.id, account.session_epoch or 0, ids.now()
    item.keep, item.signed_in_at = keep, int(at)
    item.idle_until, item.ttl = int(at) + _idle(keep), int(at) + lifetime(keep)
    item.save()
    return token


def find(token: str) -> Session | None:
    """The live session of this cookie, its idle end moved forward; None when unknown, idle too long,
    past its absolute end, ended by a password change, or its account was merged away."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        item = SessionItem.get(f"SESSION#{ids.sha256_hex(token)}", "SESSION")
    except SessionItem.DoesNotExist:
        return None
    at = now()
    if item.ttl <= at or (item.idle_until or 0) <= at:
        return None
    account = accounts.get_account(item.account_id)
    if account is None or (account.session_epoch or 0) != item.epoch or account.merged_into:
        return None
    _slide(item, at)
    return Session(account, item)


def _slide(item: SessionItem, at: float) -> None:
    idle = _idle(bool(item.keep))
    if item.idle_until - idle + REFRESH_SECONDS > at:
        return  # moved recently enough
    # Ended meanwhile (logout in another tab): this request still sees it, the next one will not.
    with contextlib.suppress(UpdateError):
        item.update(actions=[SessionItem.idle_until.set(int(at) + idle)], condition=SessionItem.pk.exists())


def confirm(session: Session) -> None:
    """The password was given again: sensitive changes are allowed for FRESH_SECONDS."""
    at = int(now())
    idle_until = at + _idle(bool(session.item.keep))
    session.item.update(
        actions=[SessionItem.signed_in_at.set(at), SessionItem.idle_until.set(idle_until)],
        condition=SessionItem.pk.exists(),
    )


def end(token: str) -> None:
    if token and len(token) <= MAX_TOKEN:
        _item(token).delete()
