"""The account's count of ways in besides its password, shared by identities and passkeys in memory:
adding one needs an open account, removing one never leaves an account nobody can enter."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.errors import Changed
from chalicelib.store.memory.base import Database

LAST_WAY_IN = "This is the account's last way to sign in."
CLOSED = "The account is closed or gone."


def add(db: Database, account_id: str, *, passkey: bool = False) -> None:
    """One more way in (inside the caller's transaction); Changed when the account is closed or gone."""
    accounts = db.table("accounts")
    found = accounts.get(account_id)
    if found is None or found.merged_into is not None or found.closed_at is not None:
        raise Changed(CLOSED)
    accounts[account_id] = replace(found, ways_in=found.ways_in + 1, passkeys=found.passkeys + passkey)


def take_away(db: Database, account_id: str, *, passkey: bool = False) -> None:
    """One way in fewer (inside the caller's transaction); Changed when it would leave none."""
    accounts = db.table("accounts")
    found = accounts.get(account_id)
    if found is None:
        raise Changed(CLOSED)
    if not found.password_hash and found.ways_in <= 1:
        raise Changed(LAST_WAY_IN)
    accounts[account_id] = replace(found, ways_in=found.ways_in - 1, passkeys=found.passkeys - passkey)


def owned(db: Database, account_id: str) -> list[tuple[str, object]]:
    """The account's identities and passkeys, as (table, key), for a merge to bring over."""
    found = [
        ("identities", k) for k, i in sorted(db.table("identities").items()) if i.account_id == account_id
    ]
    return found + [
        ("passkeys", k) for k, p in sorted(db.table("passkeys").items()) if p.account_id == account_id
    ]


def bring(db: Database, ways: list[tuple[str, object]], old_id: str, into_id: str) -> None:
    """A merge step (inside its transaction): these identities and passkeys of `old_id` now belong to
    `into_id`, whose count of ways in goes up by as many; Changed when one is no longer the old account's."""
    if not ways:
        return
    for table, key in ways:
        found = db.table(table).get(key)
        if found is None or found.account_id != old_id:
            raise Changed("A concurrent change refused this merge step; nothing was written.")
        db.table(table)[key] = replace(found, account_id=into_id)
    accounts = db.table("accounts")
    survivor = accounts.get(into_id)
    if survivor is None:
        raise Changed(CLOSED)
    passkeys = sum(table == "passkeys" for table, _ in ways)
    accounts[into_id] = replace(
        survivor, ways_in=survivor.ways_in + len(ways), passkeys=survivor.passkeys + passkeys
    )
