"""Sessions in memory: table "sessions", by the hash of the cookie's secret."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.errors import Changed
from chalicelib.store.memory.base import Database
from chalicelib.store.sessions import Session


class Sessions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def start(self, session: Session) -> None:
        with self.db.transaction():
            self.db.table("sessions")[session.token_hash] = session

    def get(self, token_hash: str) -> Session | None:
        return self.db.table("sessions").get(token_hash)

    def slide(self, token_hash: str, idle_until: int) -> None:
        self._change(token_hash, idle_until=idle_until)

    def confirm(self, token_hash: str, *, signed_in_at: int, idle_until: int) -> None:
        self._change(token_hash, signed_in_at=signed_in_at, idle_until=idle_until)

    def end(self, token_hash: str) -> None:
        with self.db.transaction():
            self.db.table("sessions").pop(token_hash, None)

    def _change(self, token_hash: str, **changes: int) -> None:
        with self.db.transaction():
            sessions = self.db.table("sessions")
            if token_hash not in sessions:
                raise Changed("The session ended meanwhile.")
            sessions[token_hash] = replace(sessions[token_hash], **changes)
