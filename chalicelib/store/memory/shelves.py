"""The shelves in memory: read from the awards table and the counts that the memory awards keep."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from chalicelib.store.awards import Award
from chalicelib.store.badge_classes import BadgeClass
from chalicelib.store.counts import COUNTED
from chalicelib.store.issuers import Issuer
from chalicelib.store.memory import counts as kept
from chalicelib.store.memory.badge_classes import BadgeClasses
from chalicelib.store.memory.base import Database
from chalicelib.store.memory.issuers import Issuers
from chalicelib.store.shelves import Overview, Shelf, first_tab, tab_counts


def _newest_first(awards: Iterable[Award]) -> list[Award]:
    return sorted(awards, key=lambda a: a.listing, reverse=True)


class Shelves:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _to(self, addresses: Sequence[str]) -> list[Award]:
        wanted = set(addresses)
        return [a for a in self.db.table("awards").values() if a.recipient_email in wanted]

    def _tally(self, addresses: Sequence[str], at: datetime) -> tuple[dict[str, int], list[Award]]:
        stored = dict.fromkeys(COUNTED, 0)
        for address in addresses:
            for state, n in kept.of(self.db, address).items():
                stored[state] += n
        expired = [a for a in self._to(addresses) if a.status(at) == "expired"]
        return tab_counts(stored, expired), expired

    def shelf(
        self, addresses: Sequence[str], tab: str | None, *, at: datetime, after: str | None, limit: int
    ) -> Shelf:
        counts, _ = self._tally(addresses, at)
        tab = first_tab(tab, counts)
        found = [
            a
            for a in _newest_first(self._to(addresses))
            if a.status(at) == tab and (not after or a.listing < after)
        ]
        shown = found[:limit]
        classes, issuers = self.describe(shown)
        more = shown[-1].listing if len(found) > limit else None
        return Shelf(tab, counts, tuple(shown), more, at, classes, issuers)

    def overview(self, addresses: Sequence[str], *, at: datetime, recent: int) -> Overview:
        counts, expired = self._tally(addresses, at)
        newest: list[Award] = []
        for address in addresses:
            newest += _newest_first(a for a in self._to([address]) if a.state != "erased")[:recent]
        expired.sort(key=lambda a: (a.expires, a.listing), reverse=True)
        return Overview(counts, tuple(_newest_first(newest)), tuple(expired), at)

    def describe(self, awards: Iterable[Award]) -> tuple[dict[str, BadgeClass], dict[str, Issuer]]:
        awards = list(awards)
        return (
            BadgeClasses(self.db).get_many({a.badge_id for a in awards}),
            Issuers(self.db).get_many({a.issuer_id for a in awards}),
        )
