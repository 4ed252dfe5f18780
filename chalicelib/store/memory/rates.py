"""Rate-limit counters in memory."""

from __future__ import annotations

from chalicelib.store.memory.base import Database


class Rates:
    def __init__(self, db: Database) -> None:
        self.db = db

    def count(self, key: str, window: int, *, expires_at: int) -> int:
        with self.db.transaction():
            counters = self.db.table("rates")
            counters[key, window] = counters.get((key, window), 0) + 1
            return counters[key, window]

    def uncount(self, key: str, window: int) -> None:
        with self.db.transaction():
            counters = self.db.table("rates")
            if counters.get((key, window), 0) > 0:
                counters[key, window] -= 1

    def clear(self, key: str, window: int) -> None:
        with self.db.transaction():
            self.db.table("rates").pop((key, window), None)
