"""What an issuer signs and revokes with: its RSA keys (signed OB 2.0), its Ed25519 keys (OB 3.0, rotated
under a cap, never deleted: credentials signed before still verify), the status list indexes given to
awards (a counter) with the revoked bits, and the OB 2.0 revocation list.

Private keys arrive here already sealed (store.keys): a repository never sees one in plaintext.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class SigningKey:
    """An issuer's RSA key for signed Open Badges 2.0."""

    kid: str
    public_pem: str
    encrypted_key: bytes  # the KMS data key that sealed the private key
    sealed_private: bytes
    created_at: datetime


@dataclass(frozen=True)
class CredentialKey:
    """An issuer's Ed25519 key for Open Badges 3.0 (the 32-byte seed sealed)."""

    kid: str
    public_multikey: str
    encrypted_key: bytes
    sealed_private: bytes
    created_at: datetime  # to the microsecond: keys made in the same second still list in order


@dataclass(frozen=True)
class Revocation:
    """One revoked award in the issuer's OB 2.0 revocation list (written with the award's revoke)."""

    assertion_id: str
    reason: str
    revoked_at: datetime


class IssuerKeyRepository(Protocol):
    def add_signing_key(self, issuer_id: str, key: SigningKey) -> None:
        """Keep a new RSA key; Taken if the issuer has one with that kid."""
        ...

    def signing_key(self, issuer_id: str, kid: str) -> SigningKey | None: ...

    def install_credential_key(
        self, issuer_id: str, key: CredentialKey, *, replacing: str | None, cap: int
    ) -> None:
        """Keep a new Ed25519 key and make it the issuer's current one, together, if the current kid is
        still `replacing` (None: the issuer has none yet) and fewer than `cap` keys were ever made.
        Changed otherwise (another request won, the cap is reached, the issuer is gone)."""
        ...

    def credential_key(self, issuer_id: str, kid: str) -> CredentialKey | None: ...

    def credential_keys(self, issuer_id: str) -> list[CredentialKey]:
        """Every Ed25519 key the issuer has had, oldest first."""
        ...

    def next_status_index(self, issuer_id: str) -> int:
        """Give out the issuer's next status list index (atomic: parallel callers get different ones)."""
        ...

    def status_indexes_given(self, issuer_id: str) -> int:
        """How many status list indexes the issuer has given out."""
        ...

    def revoked_indexes(self, issuer_id: str, number: int, size: int) -> frozenset[int]:
        """The revoked indexes within status list `number` (each list holds `size`), counted from the
        list's start."""
        ...

    def revocations(self, issuer_id: str) -> list[Revocation]:
        """The issuer's revoked awards (the OB 2.0 revocation list)."""
        ...
