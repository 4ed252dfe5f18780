"""The shelves' bookkeeping inside an award's DynamoDB write (store/counts.py says what changes):
ADDs to the RecipientCounts records (pk COUNTS#<address>, sk COUNTS) joined to the write's own
transaction, and the award's index keys (`shelf`, `expiring`) set or removed in its own update.

A write that calls `joined` must pin, in its condition, the state (and, when it can change whether the
award expires, the expiry) it read: the counts added are computed from what it read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chalicelib.store.counts import combined, moved, placed
from chalicelib.store.dynamo.models import AssertionItem, RecipientCountsItem

if TYPE_CHECKING:
    from chalicelib.store.awards import Award


COUNTS = "COUNTS"
HEAD = "#counts"  # the counts record's `expires`: before any date, so it heads its by_expiry partition


def record(address: str) -> RecipientCountsItem:
    return RecipientCountsItem(f"COUNTS#{address}", COUNTS)


def add(transaction, delta: dict[str, Counter]) -> None:
    """Join one counts update per address to `transaction` (a pynamodb TransactWrite)."""
    for address, counts in delta.items():
        actions = [getattr(RecipientCountsItem, name).add(n) for name, n in sorted(counts.items())]
        actions += [RecipientCountsItem.expiring.set(address), RecipientCountsItem.expires.set(HEAD)]
        transaction.update(record(address), actions=actions)


def joined(transaction, before: Award | None, after: Award | None) -> list:
    """Join the counts of this change to `transaction`; the update actions that move the award's index
    keys (only those that change: a key it keeps is left alone, whatever happened to it meanwhile)."""
    add(transaction, moved(before, after))
    was, now = placed(before), placed(after)
    actions = []
    for key in ("shelf", "expiring"):
        old, new = getattr(was, key, None), getattr(now, key, None)
        if old != new:
            attribute = getattr(AssertionItem, key)
            actions.append(attribute.set(new) if new else attribute.remove())
    return actions


def new_awards(transaction, awards: Iterable[Award]) -> None:
    """Join the counts of a batch of new awards: one update per address (an item once a transaction)."""
    add(transaction, combined([moved(None, award) for award in awards]))


def pinned_expiry(award: Award):
    """The expiry is still the one read (whether the award can expire decides its counts)."""
    if award.expires is None:
        return AssertionItem.expires.does_not_exist()
    return AssertionItem.expires == award.expires
