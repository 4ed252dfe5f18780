"""Identities: an account's sign-ins at OpenID Connect providers (Google, Microsoft, Apple, LinkedIn, any
issuer), each a (provider, subject) pair that belongs to one account at most. Linking one adds a way in
to the account, unlinking takes one away, and never the last (the rules are in services/earners/social.py
and sign_in_methods.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Identity:
    provider: str  # the configured provider's id, e.g. "google"
    subject: str  # the provider's `sub` claim: stable for the person at that provider
    account_id: str
    created_at: datetime
    email: str | None = None  # the address the provider gave when linked (shown in settings)
    last_used_at: datetime | None = None


class IdentityRepository(Protocol):
    def owner(self, provider: str, subject: str) -> Identity | None:
        """The identity and the account it is linked to, if any (read consistently)."""
        ...

    def listing(self, account_id: str) -> list[Identity]:
        """The account's linked identities (one Query, at most 20), by provider."""
        ...

    def link(self, identity: Identity) -> None:
        """Link the identity to its open account, one more way in. Taken when the identity is linked
        already (to this account or another); Changed when the account is closed or gone."""
        ...

    def unlink(self, account_id: str, provider: str, subject: str) -> None:
        """Unlink, one way in fewer. Changed when it is not linked to this account, or when it is the
        account's last way in (no password, no passkey, no other identity): racing removals cannot
        leave an account nobody can enter."""
        ...

    def touch(self, provider: str, subject: str, *, at: datetime) -> None:
        """Record a sign-in with the identity (nothing when it is gone)."""
        ...
