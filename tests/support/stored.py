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


def passwordless(store, account_id: str = "ada", email: str = "ada@example.org", *, identity=None):
    """An account made by a sign-up without a password (create_verified), its address verified, linked
    to `identity` when given; as the repository returns it."""
    from dataclasses import replace

    made = replace(account(account_id, email), password_hash=None)
    store.accounts.create_verified(made, email, holder=store.accounts.owner_of(email), identity=identity)
    return store.accounts.get(account_id)
