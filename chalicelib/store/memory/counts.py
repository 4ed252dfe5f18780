"""The shelves' bookkeeping in memory (store/counts.py says what changes): counts per address in the
"recipient_counts" table, added inside the award write's own `db.transaction()`."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from chalicelib.store.counts import moved
from chalicelib.store.memory.base import Database

if TYPE_CHECKING:
    from chalicelib.store.awards import Award

TABLE = "recipient_counts"
NAMES = ("pending", "accepted", "rejected", "revoked")


def add(db: Database, delta: dict[str, Counter]) -> None:
    """Add the counts; call it inside the write's transaction, so they commit or roll back with it."""
    table = db.table(TABLE)
    for address, counts in delta.items():
        kept = Counter(table.get(address, {}))
        kept.update(counts)
        table[address] = dict(kept)


def joined(db: Database, before: Award | None, after: Award | None) -> None:
    """Add the counts of this change (inside the write's transaction)."""
    add(db, moved(before, after))


def of(db: Database, address: str) -> dict[str, int]:
    """The address's counts (0 for what was never added)."""
    kept = db.table(TABLE).get(address, {})
    return {name: kept.get(name, 0) for name in NAMES}
