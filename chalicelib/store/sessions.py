"""Signed-in browsers, found by the SHA-256 of their cookie's secret. How long a session lives and
when its idle end moves are rules in services/earners/sessions.py; every session of an account ends at
once when the account's session epoch moves on (store.accounts: a password change, a reset, a merge)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Session:
    token_hash: str
    account_id: str
    epoch: int  # the account's session epoch at sign-in: a newer epoch ends this session
    created_at: datetime
    ttl: int  # the absolute end (epoch seconds)
    idle_until: int | None = None  # the sliding idle end; None (an older session) = ended
    signed_in_at: int | None = None  # when the password (or an emailed code) was last given
    keep: bool = False  # "Keep me signed in"


class SessionRepository(Protocol):
    def start(self, session: Session) -> None:
        """Keep a new session."""
        ...

    def get(self, token_hash: str) -> Session | None:
        """The session, whatever its ends say; None when unknown or ended."""
        ...

    def slide(self, token_hash: str, idle_until: int) -> None:
        """Move the idle end; Changed when the session ended meanwhile."""
        ...

    def confirm(self, token_hash: str, *, signed_in_at: int, idle_until: int) -> None:
        """The password was given again now; Changed when the session ended meanwhile."""
        ...

    def end(self, token_hash: str) -> None:
        """End the session (nothing when it is gone already)."""
        ...
