"""Issuer keys, status lists and revocations in memory. The award's revoke writes the revocation and the
status list bit in its own transaction through `keep_revocation` and `add_revoked_bit`."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.errors import Changed, Taken
from chalicelib.store.issuer_keys import CredentialKey, Revocation, SigningKey
from chalicelib.store.memory.base import Database


def keep_revocation(db: Database, issuer_id: str, revocation: Revocation) -> None:
    """Inside a transaction: list the award in the issuer's revocation list."""
    db.table("revocations")[issuer_id, revocation.assertion_id] = revocation


def add_revoked_bit(db: Database, issuer_id: str, index: int) -> None:
    """Inside a transaction: mark status index `index` revoked."""
    db.table("revoked_bits")[issuer_id, index] = True


class IssuerKeys:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_signing_key(self, issuer_id: str, key: SigningKey) -> None:
        with self.db.transaction():
            keys = self.db.table("signing_keys")
            if (issuer_id, key.kid) in keys:
                raise Taken("The issuer has a key with that id.")
            keys[issuer_id, key.kid] = key

    def signing_key(self, issuer_id: str, kid: str) -> SigningKey | None:
        return self.db.table("signing_keys").get((issuer_id, kid))

    def install_credential_key(
        self, issuer_id: str, key: CredentialKey, *, replacing: str | None, cap: int
    ) -> None:
        with self.db.transaction():
            issuers, keys = self.db.table("issuers"), self.db.table("credential_keys")
            issuer = issuers.get(issuer_id)
            if (
                issuer is None
                or issuer.credential_kid != replacing
                or issuer.credential_keys >= cap
                or (issuer_id, key.kid) in keys
            ):
                raise Changed("The issuer's key changed meanwhile, or it has made all the keys it may.")
            keys[issuer_id, key.kid] = key
            issuers[issuer_id] = replace(
                issuer, credential_kid=key.kid, credential_keys=issuer.credential_keys + 1
            )

    def credential_key(self, issuer_id: str, kid: str) -> CredentialKey | None:
        return self.db.table("credential_keys").get((issuer_id, kid))

    def credential_keys(self, issuer_id: str) -> list[CredentialKey]:
        mine = [k for (owner, _), k in self.db.table("credential_keys").items() if owner == issuer_id]
        return sorted(mine, key=lambda k: (k.created_at, k.kid))

    def next_status_index(self, issuer_id: str) -> int:
        with self.db.transaction():
            counters = self.db.table("status_counters")
            counters[issuer_id] = counters.get(issuer_id, 0) + 1
            return counters[issuer_id] - 1

    def status_indexes_given(self, issuer_id: str) -> int:
        return self.db.table("status_counters").get(issuer_id, 0)

    def revoked_indexes(self, issuer_id: str, number: int, size: int) -> frozenset[int]:
        start = number * size
        bits = self.db.table("revoked_bits")
        return frozenset(i - start for (owner, i) in bits if owner == issuer_id and start <= i < start + size)

    def revocations(self, issuer_id: str) -> list[Revocation]:
        found = self.db.table("revocations")
        return [r for (owner, _), r in sorted(found.items()) if owner == issuer_id]
