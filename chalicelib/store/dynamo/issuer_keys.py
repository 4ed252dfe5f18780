"""Issuer keys, status lists and revocations in the badges table, under the issuer's pk ISSUER#id:
sk RSAKEY#kid (RSA), EDKEY#kid (Ed25519), STATUSCOUNTER (next status index, an atomic ADD),
STATUSLIST#n (the revoked indexes of list n, a number set), REVOKED#assertion (OB 2.0 revocation list).

The award's revoke writes REVOKED# and the list bit inside its own transaction: `revocation_item` and
`add_revoked_bit` are the pieces it adds (store/dynamo/awards.py)."""

from __future__ import annotations

from chalicelib.errors import Changed, Taken
from chalicelib.store.dynamo.issuers import issuer_pk
from chalicelib.store.dynamo.models import (
    CredentialKeyItem,
    IssuerItem,
    RevocationItem,
    SigningKeyItem,
    StatusCounterItem,
    StatusListItem,
    transaction,
)
from chalicelib.store.dynamo.translate import translated
from chalicelib.store.issuer_keys import CredentialKey, Revocation, SigningKey


def status_list_item(issuer_id: str, number: int) -> StatusListItem:
    """The (possibly not yet stored) item of status list `number`; only its key is set."""
    return StatusListItem(issuer_pk(issuer_id), f"STATUSLIST#{number}")


def add_revoked_bit(tx, issuer_id: str, index: int, size: int) -> None:
    """Inside a transaction: mark status index `index` revoked in its list."""
    tx.update(status_list_item(issuer_id, index // size), actions=[StatusListItem.revoked.add({index})])


def revocation_item(issuer_id: str, revocation: Revocation) -> RevocationItem:
    return RevocationItem(
        issuer_pk(issuer_id),
        f"REVOKED#{revocation.assertion_id}",
        assertion_id=revocation.assertion_id,
        reason=revocation.reason,
        revoked_at=revocation.revoked_at,
    )


def _signing_value(item: SigningKeyItem) -> SigningKey:
    return SigningKey(
        kid=item.kid,
        public_pem=item.public_pem,
        encrypted_key=item.encrypted_key,
        sealed_private=item.sealed_private,
        created_at=item.created_at,
    )


def _credential_value(item: CredentialKeyItem) -> CredentialKey:
    return CredentialKey(
        kid=item.kid,
        public_multikey=item.public_multikey,
        encrypted_key=item.encrypted_key,
        sealed_private=item.sealed_private,
        created_at=item.created_at,
    )


class IssuerKeys:
    def add_signing_key(self, issuer_id: str, key: SigningKey) -> None:
        item = SigningKeyItem(
            issuer_pk(issuer_id),
            f"RSAKEY#{key.kid}",
            kid=key.kid,
            public_pem=key.public_pem,
            encrypted_key=key.encrypted_key,
            sealed_private=key.sealed_private,
            created_at=key.created_at,
        )
        with translated(lambda: Taken("The issuer has a key with that id.")):
            item.save(condition=SigningKeyItem.sk.does_not_exist())

    def signing_key(self, issuer_id: str, kid: str) -> SigningKey | None:
        with translated():
            try:
                return _signing_value(SigningKeyItem.get(issuer_pk(issuer_id), f"RSAKEY#{kid}"))
            except SigningKeyItem.DoesNotExist:
                return None

    def install_credential_key(
        self, issuer_id: str, key: CredentialKey, *, replacing: str | None, cap: int
    ) -> None:
        item = CredentialKeyItem(
            issuer_pk(issuer_id),
            f"EDKEY#{key.kid}",
            kid=key.kid,
            public_multikey=key.public_multikey,
            encrypted_key=key.encrypted_key,
            sealed_private=key.sealed_private,
            created_at=key.created_at,
        )
        kid = IssuerItem.credential_kid
        current = kid == replacing if replacing else kid.does_not_exist()
        room = IssuerItem.credential_keys.does_not_exist() | (IssuerItem.credential_keys < cap)
        issuer = IssuerItem(issuer_pk(issuer_id), "PROFILE")
        refused = Changed("The issuer's key changed meanwhile, or it has made all the keys it may.")
        with translated(lambda: refused), transaction() as tx:
            tx.save(item, condition=CredentialKeyItem.sk.does_not_exist())
            tx.update(
                issuer,
                actions=[IssuerItem.credential_kid.set(key.kid), IssuerItem.credential_keys.add(1)],
                condition=IssuerItem.pk.exists() & current & room,
            )

    def credential_key(self, issuer_id: str, kid: str) -> CredentialKey | None:
        with translated():
            try:
                return _credential_value(CredentialKeyItem.get(issuer_pk(issuer_id), f"EDKEY#{kid}"))
            except CredentialKeyItem.DoesNotExist:
                return None

    def credential_keys(self, issuer_id: str) -> list[CredentialKey]:
        with translated():
            found = CredentialKeyItem.query(issuer_pk(issuer_id), CredentialKeyItem.sk.startswith("EDKEY#"))
            return sorted((_credential_value(k) for k in found), key=lambda k: (k.created_at, k.kid))

    def next_status_index(self, issuer_id: str) -> int:
        counter = StatusCounterItem(issuer_pk(issuer_id), "STATUSCOUNTER")
        with translated():
            counter.update(actions=[StatusCounterItem.next_index.add(1)])
        return int(counter.next_index) - 1

    def status_indexes_given(self, issuer_id: str) -> int:
        with translated():
            try:
                return int(StatusCounterItem.get(issuer_pk(issuer_id), "STATUSCOUNTER").next_index)
            except StatusCounterItem.DoesNotExist:
                return 0

    def revoked_indexes(self, issuer_id: str, number: int, size: int) -> frozenset[int]:
        with translated():
            try:
                revoked = StatusListItem.get(issuer_pk(issuer_id), f"STATUSLIST#{number}").revoked or set()
            except StatusListItem.DoesNotExist:
                revoked = set()
        return frozenset(int(i) - number * size for i in revoked)

    def revocations(self, issuer_id: str) -> list[Revocation]:
        with translated():
            found = RevocationItem.query(issuer_pk(issuer_id), RevocationItem.sk.startswith("REVOKED#"))
            return [Revocation(r.assertion_id, r.reason, r.revoked_at) for r in found]
