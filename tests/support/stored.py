"""Accounts written straight through a store's repositories, for the contract suite (tests/store)."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.store.accounts import Account

AT = datetime(2026, 1, 1, tzinfo=UTC)
LATER = datetime(2026, 1, 2, tzinfo=UTC)


def account(account_id: str = "ada", email: str = "ada@example.org") -> Account:
    return Account(account_id, "Ada", "Lovelace", "hash", email, AT, AT)


def registered(store, account_id: str = "ada", email: str = "ada@example.org", *, verified: bool = True):
    """An account holding `email` (verified unless told otherwise), as the repository returns it."""
    store.accounts.register(account(account_id, email), email, holder=store.accounts.owner_of(email))
    if verified:
        store.accounts.verify_address(account_id, email, at=AT)
    return store.accounts.get(account_id)
