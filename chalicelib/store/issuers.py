"""Issuers: the profile an issuer shows verifiers, and the API keys it calls the API with.

An API key is kept only as the SHA-256 of the key; every key ever made counts against the issuer's cap
(revoked ones included: the key listing reads them all), counted in the same write that makes the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Issuer:
    id: str
    name: str
    url: str
    email: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    image_key: str | None = None
    signing: bool = False  # signed OB 2.0 badges opted in
    signing_kid: str | None = None  # the RSA key, made when signing is first turned on
    credential_kid: str | None = None  # the current Ed25519 key (OB 3.0), made on first need
    api_keys: int = 0  # API keys ever made
    credential_keys: int = 0  # Ed25519 keys ever made


@dataclass(frozen=True)
class ApiKey:
    key_hash: str  # SHA-256 of the key, hex: how a request finds it
    issuer_id: str
    key_id: str  # the public id, for listing and revoking
    prefix: str  # the first characters, so a person can tell keys apart
    created_at: datetime
    label: str | None = None
    revoked_at: datetime | None = None


PROFILE = ("name", "url", "email", "description", "image_key")  # what update_profile may change


class IssuerRepository(Protocol):
    def create(self, issuer: Issuer, first_key: ApiKey) -> Issuer:
        """Keep a new issuer with its first API key (counted), together. Taken if either exists."""
        ...

    def get(self, issuer_id: str) -> Issuer | None: ...

    def get_many(self, issuer_ids: Iterable[str]) -> dict[str, Issuer]:
        """The issuers that exist among `issuer_ids`, by id (one batch read per 100)."""
        ...

    def update_profile(self, issuer_id: str, changes: Mapping[str, object], at: datetime) -> Issuer:
        """Set the PROFILE fields in `changes` and `updated_at`; the issuer as it now is. Changed if it
        does not exist."""
        ...

    def set_signing(self, issuer_id: str, on: bool, at: datetime, *, kid: str | None = None) -> Issuer:
        """Turn signed badges on or off (and name the RSA key, when one is given). Changed if missing."""
        ...

    def add_api_key(self, key: ApiKey, *, cap: int) -> None:
        """Keep a new key and count it; Changed if the issuer is missing or has made `cap` keys."""
        ...

    def api_key(self, key_hash: str) -> ApiKey | None:
        """The key with this hash, read strongly consistent (a revoked key must stop at once)."""
        ...

    def api_keys(self, issuer_id: str) -> list[ApiKey]:
        """Every key the issuer has made, oldest first, revoked ones included."""
        ...

    def revoke_api_key(self, key: ApiKey, at: datetime) -> ApiKey:
        """Mark the key revoked (once: a revoked key keeps its first revocation time)."""
        ...
