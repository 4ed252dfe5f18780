"""What an award's write changes on its recipient's shelves (store/shelves.py): the per-address counts
to ADD and the index keys the award carries. Pure, so the DynamoDB and memory stores cannot disagree;
store/dynamo/counts.py and store/memory/counts.py apply it inside the write's own transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.store.awards import Award

COUNTED = ("pending", "accepted", "rejected", "revoked")  # an erased award is counted nowhere
CAN_EXPIRE = ("pending", "accepted", "rejected")  # the awards `status` may call expired


@dataclass(frozen=True)
class Placed:
    """Where one award sits: its recipient's address (None once erased), its state and expiry."""

    address: str | None
    state: str
    expires: datetime | None = None

    @property
    def counted(self) -> bool:
        return bool(self.address) and self.state in COUNTED

    @property
    def shelf(self) -> str | None:
        """The tab index key, "<address>#<state>"; None when the award is on no shelf."""
        return f"{self.address}#{self.state}" if self.counted else None

    @property
    def expiring(self) -> str | None:
        """The expiry index key (the address) while the award can expire; None otherwise."""
        return self.address if self.counted and self.state in CAN_EXPIRE and self.expires else None


def placed(award: Award | None) -> Placed | None:
    return None if award is None else Placed(award.recipient_email, award.state, award.expires)


def moved(before: Award | None, after: Award | None) -> dict[str, Counter]:
    """The counts to add when an award goes from `before` (as the write's condition pins it) to `after`."""
    return change(placed(before), placed(after))


def change(before: Placed | None, after: Placed | None) -> dict[str, Counter]:
    """The counts to add per address when an award goes from `before` to `after` (None: not there),
    without zero entries; {} when nothing counted moves."""
    delta: dict[str, Counter] = {}
    for placed, sign in ((before, -1), (after, 1)):
        if placed is None or not placed.counted:
            continue
        delta.setdefault(placed.address, Counter())[placed.state] += sign
    return {a: Counter({k: n for k, n in c.items() if n}) for a, c in delta.items() if any(c.values())}


def combined(changes: list[dict[str, Counter]]) -> dict[str, Counter]:
    """Several awards' changes as one per address (a transaction may touch a counts record once)."""
    total: dict[str, Counter] = {}
    for delta in changes:
        for address, counts in delta.items():
            total.setdefault(address, Counter()).update(counts)
    return {a: Counter({k: n for k, n in c.items() if n}) for a, c in total.items() if any(c.values())}
