"""Issuers and their API keys in memory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from chalicelib.errors import Changed, Taken
from chalicelib.store.issuers import PROFILE, ApiKey, Issuer
from chalicelib.store.memory.base import Database


class Issuers:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, issuer: Issuer, first_key: ApiKey) -> Issuer:
        issuer = replace(issuer, api_keys=1)
        with self.db.transaction():
            issuers, keys = self.db.table("issuers"), self.db.table("api_keys")
            if issuer.id in issuers or first_key.key_hash in keys:
                raise Taken("An issuer or API key with that id exists.")
            issuers[issuer.id] = issuer
            keys[first_key.key_hash] = first_key
        return issuer

    def get(self, issuer_id: str) -> Issuer | None:
        return self.db.table("issuers").get(issuer_id)

    def get_many(self, issuer_ids: Iterable[str]) -> dict[str, Issuer]:
        issuers = self.db.table("issuers")
        return {i: issuers[i] for i in set(issuer_ids) if i in issuers}

    def update_profile(self, issuer_id: str, changes: Mapping[str, object], at: datetime) -> Issuer:
        values = {name: changes[name] for name in PROFILE if name in changes}
        return self._update(issuer_id, updated_at=at, **values)

    def set_signing(self, issuer_id: str, on: bool, at: datetime, *, kid: str | None = None) -> Issuer:
        return self._update(issuer_id, signing=on, updated_at=at, **({"signing_kid": kid} if kid else {}))

    def _update(self, issuer_id: str, **changes: object) -> Issuer:
        with self.db.transaction():
            issuers = self.db.table("issuers")
            if issuer_id not in issuers:
                raise Changed("No such issuer.")
            issuers[issuer_id] = replace(issuers[issuer_id], **changes)
            return issuers[issuer_id]

    def add_api_key(self, key: ApiKey, *, cap: int) -> None:
        with self.db.transaction():
            issuers, keys = self.db.table("issuers"), self.db.table("api_keys")
            issuer = issuers.get(key.issuer_id)
            if issuer is None or issuer.api_keys >= cap or key.key_hash in keys:
                raise Changed(f"The issuer has made {cap} API keys.")
            keys[key.key_hash] = key
            issuers[issuer.id] = replace(issuer, api_keys=issuer.api_keys + 1)

    def api_key(self, key_hash: str) -> ApiKey | None:
        return self.db.table("api_keys").get(key_hash)

    def api_keys(self, issuer_id: str) -> list[ApiKey]:
        mine = [k for k in self.db.table("api_keys").values() if k.issuer_id == issuer_id]
        return sorted(mine, key=lambda k: (k.created_at.isoformat(), k.key_id))

    def revoke_api_key(self, key: ApiKey, at: datetime) -> ApiKey:
        with self.db.transaction():
            keys = self.db.table("api_keys")
            current = keys.get(key.key_hash)
            if current is None:
                raise Changed("No such API key.")
            if current.revoked_at is None:
                keys[key.key_hash] = replace(current, revoked_at=at)
            return keys[key.key_hash]
