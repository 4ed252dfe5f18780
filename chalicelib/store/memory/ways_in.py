"""The account's count of ways in besides its password, shared by identities and passkeys in memory:
adding one needs an open account, removing one never leaves an account nobody can enter."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.errors import Changed
from chalicelib.store.memory.base import Database

LAST_WAY_IN = "This is the account's last way to sign in."
CLOSED = "The account is closed or gone."


def add(db: Database, account_id: str) -> None:
    """One more way in (inside the caller's transaction); Changed when the account is closed or gone."""
    accounts = db.table("accounts")
    found = accounts.get(account_id)
    if found is None or found.merged_into is not None or found.closed_at is not None:
        raise Changed(CLOSED)
    accounts[account_id] = replace(found, ways_in=found.ways_in + 1)


def take_away(db: Database, account_id: str) -> None:
    """One way in fewer (inside the caller's transaction); Changed when it would leave none."""
    accounts = db.table("accounts")
    found = accounts.get(account_id)
    if found is None:
        raise Changed(CLOSED)
    if not found.password_hash and found.ways_in <= 1:
        raise Changed(LAST_WAY_IN)
    accounts[account_id] = replace(found, ways_in=found.ways_in - 1)
