"""Imported badges in memory, by (account id, digest)."""

from __future__ import annotations

from chalicelib.errors import Taken
from chalicelib.store.imports import ImportedBadge
from chalicelib.store.memory.base import Database


class Imports:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, badge: ImportedBadge) -> None:
        with self.db.transaction():
            held = self.db.table("imports")
            if (badge.account_id, badge.digest) in held:
                raise Taken("This badge is already in the backpack.")
            held[badge.account_id, badge.digest] = badge

    def get(self, account_id: str, digest: str) -> ImportedBadge | None:
        return self.db.table("imports").get((account_id, digest))

    def newest(self, account_id: str, *, limit: int) -> list[ImportedBadge]:
        # Past the limit DynamoDB keeps the first by key (digest) order; so does this.
        held = [b for (owner, _), b in self.db.table("imports").items() if owner == account_id]
        found = sorted(held, key=lambda badge: badge.digest)[:limit]
        return sorted(found, key=lambda badge: badge.imported_at, reverse=True)

    def delete(self, account_id: str, digest: str) -> None:
        with self.db.transaction():
            self.db.table("imports").pop((account_id, digest), None)
