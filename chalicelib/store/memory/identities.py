"""Identities in memory: table "identities" by (provider, subject)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.errors import Changed, Taken
from chalicelib.store.identities import Identity
from chalicelib.store.memory import ways_in
from chalicelib.store.memory.base import Database

MOST_LISTED = 20


class Identities:
    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def _identities(self) -> dict:
        return self.db.table("identities")

    def owner(self, provider: str, subject: str) -> Identity | None:
        return self._identities.get((provider, subject))

    def listing(self, account_id: str) -> list[Identity]:
        mine = [i for i in self._identities.values() if i.account_id == account_id]
        return sorted(mine, key=lambda i: (i.provider, i.subject))[:MOST_LISTED]

    def link(self, identity: Identity) -> None:
        with self.db.transaction():
            if (identity.provider, identity.subject) in self._identities:
                raise Taken("This sign-in is linked to an account already.")
            self._identities[identity.provider, identity.subject] = identity
            ways_in.add(self.db, identity.account_id)

    def unlink(self, account_id: str, provider: str, subject: str) -> None:
        with self.db.transaction():
            found = self._identities.get((provider, subject))
            if found is None or found.account_id != account_id:
                raise Changed("This sign-in is not linked to the account.")
            del self._identities[provider, subject]
            ways_in.take_away(self.db, account_id)

    def touch(self, provider: str, subject: str, *, at: datetime) -> None:
        with self.db.transaction():
            found = self._identities.get((provider, subject))
            if found is not None:
                self._identities[provider, subject] = replace(found, last_used_at=at)
