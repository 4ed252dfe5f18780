"""Ceremonies in memory: table "ceremonies" by the SHA-256 of the secret."""

from __future__ import annotations

from chalicelib.errors import Taken
from chalicelib.store.ceremonies import Ceremony
from chalicelib.store.memory.base import Database


class Ceremonies:
    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, ceremony: Ceremony) -> None:
        with self.db.transaction():
            ceremonies = self.db.table("ceremonies")
            if ceremony.secret_hash in ceremonies:
                raise Taken("This ceremony exists already.")
            ceremonies[ceremony.secret_hash] = ceremony

    def get(self, secret_hash: str) -> Ceremony | None:
        return self.db.table("ceremonies").get(secret_hash)

    def take(self, secret_hash: str) -> Ceremony | None:
        with self.db.transaction():
            return self.db.table("ceremonies").pop(secret_hash, None)
