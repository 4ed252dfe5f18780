"""The issuer's Ed25519 keys for Open Badges 3.0: made on first need, rotated under a cap, all listed in
the issuer's controller document, and signing with the current one.

The issuer of a credential is `{base}/public/issuers/{id}/controller`, a controller document listing every
Ed25519 key the issuer ever had in assertionMethod: rotation makes a new current key and keeps the old ones
resolvable, so credentials signed before still verify. Proofs name a key by its own URL,
`{base}/public/issuers/{id}/credential-keys/{kid}`, which answers the Multikey itself: wallets' loaders
(the DCC's) fetch an http(s) method URL whole and ignore any fragment. Credentials handed out before
name `{controller}#{kid}`; the controller document keeps listing that form too.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.errors import Changed, Conflict, NotFound
from chalicelib.openbadges import dataintegrity, ob2
from chalicelib.openbadges.jsonld import DID_V1, MULTIKEY_V1
from chalicelib.services.issuing import issuers
from chalicelib.services.shared import ids, urls
from chalicelib.store.issuer_keys import CredentialKey

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.issuers import Issuer

CONTROLLER_CONTEXT = [DID_V1, MULTIKEY_V1]
MAX_CREDENTIAL_KEYS = 100  # every key ever made is listed in the public controller document


def _new_key(store: Store) -> CredentialKey:
    seed, public = dataintegrity.generate_key(os.urandom(32))
    encrypted_key, sealed = store.keys.seal(seed)
    return CredentialKey(
        kid=ids.new_id(),
        public_multikey=dataintegrity.multikey(public),
        encrypted_key=encrypted_key,
        sealed_private=sealed,
        created_at=datetime.now(UTC),  # to the microsecond: keys made in the same second still list in order
    )


def _install(issuer_id: str, replacing: str | None, store: Store) -> CredentialKey | None:
    """Save a new key and make it current if the current kid is still `replacing`; None if another won
    (or the cap is reached). A busy store is Busy (503), never "another request won"."""
    key = _new_key(store)
    try:
        store.issuer_keys.install_credential_key(issuer_id, key, replacing=replacing, cap=MAX_CREDENTIAL_KEYS)
    except Changed:
        return None
    return key


def current_key(issuer: Issuer, *, store: Store) -> CredentialKey:
    """The issuer's current Ed25519 key, created on first need (a concurrent first request's key wins)."""
    kid = issuer.credential_kid
    if not kid:
        key = _install(issuer.id, None, store)
        if key is not None:
            return key
        kid = issuers.get_issuer(issuer.id, store=store).credential_kid
    return _key(issuer.id, kid, store)


def rotate_key(issuer_id: str, *, store: Store) -> CredentialKey:
    """A new current key; the old ones stay listed in the controller document."""
    issuer = issuers.get_issuer(issuer_id, store=store)
    for _ in range(3):
        key = _install(issuer_id, issuer.credential_kid, store)
        if key is not None:
            return key
        issuer = issuers.get_issuer(issuer_id, store=store)
        if issuer.credential_keys >= MAX_CREDENTIAL_KEYS:
            raise Conflict(
                f"An issuer has at most {MAX_CREDENTIAL_KEYS} credential keys; this one cannot rotate."
            )
    raise Conflict("The issuer's key changed three times while rotating; try again.")


@lru_cache(maxsize=256)
def _cached(store: Store, issuer_id: str, kid: str) -> CredentialKey:
    """A key (immutable once written), read once per warm Lambda; a miss is not kept (NotFound)."""
    key = store.issuer_keys.credential_key(issuer_id, kid)
    if key is None:
        raise NotFound(f"No key {kid}.")
    return key


def _key(issuer_id: str, kid: str, store: Store) -> CredentialKey:
    return _cached(store, issuer_id, kid)


def list_keys(issuer_id: str, *, store: Store) -> list[CredentialKey]:
    return store.issuer_keys.credential_keys(issuer_id)


def key_to_api(issuer_id: str, key: CredentialKey) -> dict:
    return {
        "kid": key.kid,
        "verification_method": urls.verification_method(issuer_id, key.kid),
        "controller": urls.controller_url(issuer_id),
        "public_key_multibase": key.public_multikey,
        "created_at": key.created_at.isoformat(),
    }


def _multikey(method_id: str, controller: str, key: CredentialKey) -> dict:
    return {
        "id": method_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": key.public_multikey,
    }


def controller_document(issuer_id: str, *, store: Store) -> dict:
    """The issuer's controller document: every key it has had, each authorised for assertionMethod under its
    own URL and under the `controller#kid` form of earlier credentials."""
    found = list_keys(issuer_id, store=store)
    if not found:
        issuers.get_issuer(issuer_id, store=store)  # 404 if unknown; no key yet lists none
    controller = urls.controller_url(issuer_id)
    methods = [
        _multikey(method(issuer_id, k.kid), controller, k)
        for k in found
        for method in (urls.verification_method, urls.legacy_verification_method)
    ]
    return {
        "@context": list(CONTROLLER_CONTEXT),
        "id": controller,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def key_document(issuer_id: str, kid: str, *, store: Store) -> dict:
    """One of the issuer's keys as a Multikey document at its own URL (what a proof's method names)."""
    if not ids.plausible_id(kid) or not ids.plausible_id(issuer_id):
        raise NotFound("No such key.")
    key = _key(issuer_id, kid, store)
    return {
        "@context": MULTIKEY_V1,
        **_multikey(urls.verification_method(issuer_id, kid), urls.controller_url(issuer_id), key),
    }


def sign(document: dict, issuer: Issuer, created: datetime, *, store: Store) -> dict:
    """The document with a Data Integrity proof by the issuer's current key."""
    key = current_key(issuer, store=store)
    seed = store.keys.unseal(key.encrypted_key, key.sealed_private)
    return dataintegrity.sign(
        document,
        private_key=seed,
        verification_method=urls.verification_method(issuer.id, key.kid),
        created=ob2.iso8601(max(created, key.created_at)),
    )
