"""Passkeys in memory: table "passkeys" by credential id."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.errors import Changed, Taken
from chalicelib.store.memory import ways_in
from chalicelib.store.memory.base import Database
from chalicelib.store.passkeys import Passkey

NOT_MINE = "This passkey is not the account's."


class Passkeys:
    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def _passkeys(self) -> dict:
        return self.db.table("passkeys")

    def get(self, credential_id: str) -> Passkey | None:
        return self._passkeys.get(credential_id)

    def listing(self, account_id: str) -> list[Passkey]:
        mine = [p for p in self._passkeys.values() if p.account_id == account_id]
        return sorted(mine, key=lambda p: (p.created_at, p.credential_id))

    def add(self, passkey: Passkey, *, most: int) -> None:
        with self.db.transaction():
            if passkey.credential_id in self._passkeys:
                raise Taken("This passkey is registered already.")
            if len(self.listing(passkey.account_id)) >= most:
                raise Changed(f"An account can have at most {most} passkeys.")
            self._passkeys[passkey.credential_id] = passkey
            ways_in.add(self.db, passkey.account_id, passkey=True)

    def used(self, credential_id: str, *, old_count: int, new_count: int, at: datetime) -> None:
        with self.db.transaction():
            found = self._passkeys.get(credential_id)
            if found is None or found.sign_count != old_count:
                raise Changed("The passkey was used or removed meanwhile.")
            self._passkeys[credential_id] = replace(found, sign_count=new_count, last_used_at=at)

    def rename(self, account_id: str, credential_id: str, name: str) -> None:
        with self.db.transaction():
            found = self._passkeys.get(credential_id)
            if found is None or found.account_id != account_id:
                raise Changed(NOT_MINE)
            self._passkeys[credential_id] = replace(found, name=name)

    def remove(self, account_id: str, credential_id: str) -> None:
        with self.db.transaction():
            found = self._passkeys.get(credential_id)
            if found is None or found.account_id != account_id:
                raise Changed(NOT_MINE)
            del self._passkeys[credential_id]
            ways_in.take_away(self.db, account_id, passkey=True)
