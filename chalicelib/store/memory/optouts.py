"""Opt-outs in memory: table "optouts" (address → when)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chalicelib.store.memory.base import Database


class OptOuts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def opt_out(self, email: str, *, at: datetime) -> None:
        with self.db.transaction():
            self.db.table("optouts").setdefault(email, at)

    def opt_in(self, email: str) -> None:
        with self.db.transaction():
            self.db.table("optouts").pop(email, None)

    def is_opted_out(self, email: str) -> bool:
        return email in self.db.table("optouts")

    def opted_out_among(self, emails: Iterable[str]) -> set[str]:
        return {e for e in emails if e in self.db.table("optouts")}
