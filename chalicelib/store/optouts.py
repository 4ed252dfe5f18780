"""Opt-outs from award notices: an address that unsubscribed gets no notice mail. A single notice asks
about one address; a bulk job asks about all its recipients at once (one read however many)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol


class OptOutRepository(Protocol):
    def opt_out(self, email: str, *, at: datetime) -> None:
        """Record the opt-out (idempotent: a second click changes nothing)."""
        ...

    def opt_in(self, email: str) -> None:
        """Undo an opt-out ("subscribe again"); nothing if there is none."""
        ...

    def is_opted_out(self, email: str) -> bool:
        """One read."""
        ...

    def opted_out_among(self, emails: Iterable[str]) -> set[str]:
        """Which of these addresses opted out, in one read whatever their number."""
        ...
