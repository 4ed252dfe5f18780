"""Rate-limit counters: one count per key and fixed time window, added to atomically.

The limits themselves (what is counted, how many, how long) are rules in services/shared/ratelimit.py;
a key reaches the store already hashed, so no address is kept in a counter.
"""

from __future__ import annotations

from typing import Protocol


class RateRepository(Protocol):
    def count(self, key: str, window: int, *, expires_at: int) -> int:
        """Add one to the window's counter and return the new count (atomic: parallel callers each
        see their own number). The counter may be dropped after `expires_at` (epoch seconds)."""
        ...

    def uncount(self, key: str, window: int) -> None:
        """Take one back from the window's counter; never below zero, nothing if it is gone."""
        ...

    def clear(self, key: str, window: int) -> None:
        """Forget the window's counter."""
        ...
