"""Signed Open Badges 2.0: per-issuer RSA keys (KMS-enveloped), JWS assertions, revocation lists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.errors import NotFound
from chalicelib.openbadges import ob2, proofs
from chalicelib.services.hosting import documents
from chalicelib.services.shared import ids, urls
from chalicelib.store.issuer_keys import SigningKey

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.issuers import Issuer


def enable(issuer: Issuer, *, store: Store) -> Issuer:
    """Turn signing on, creating the issuer's key on first use."""
    kid = None
    if not issuer.signing_kid:
        kid = ids.new_id()
        private_pem, public_pem = proofs.rsa_key_pems(new_rsa_key())
        encrypted_key, sealed = store.keys.seal(private_pem.encode())
        store.issuer_keys.add_signing_key(
            issuer.id, SigningKey(kid, public_pem, encrypted_key, sealed, ids.now())
        )
    return store.issuers.set_signing(issuer.id, True, ids.now(), kid=kid)


def new_rsa_key():
    """A new 2048-bit RSA key for RS256 (drawn here: the pure openbadges/ core draws no randomness)."""
    from cryptography.hazmat.primitives.asymmetric import rsa  # lazy: only when signing is turned on

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def disable(issuer: Issuer, *, store: Store) -> Issuer:
    return store.issuers.set_signing(issuer.id, False, ids.now())


def _key(issuer_id: str, kid: str, store: Store) -> SigningKey:
    if not (ids.plausible_id(issuer_id) and ids.plausible_id(kid)):
        raise NotFound("No key has that id.")
    key = store.issuer_keys.signing_key(issuer_id, kid)
    if key is None:
        raise NotFound(f"No key {kid}.")
    return key


def key_document(issuer_id: str, kid: str, *, store: Store) -> dict:
    key = _key(issuer_id, kid, store)
    return ob2.cryptographic_key(
        id=urls.key_url(issuer_id, kid), owner=urls.issuer_url(issuer_id), public_pem=key.public_pem
    )


def signed_assertion(item, issuer: Issuer, *, store: Store) -> str:
    """The assertion as a compact JWS by the issuer's current key."""
    if not (issuer.signing and issuer.signing_kid):
        raise NotFound("This issuer does not sign its badges.")
    key = _key(issuer.id, issuer.signing_kid, store)
    private_pem = store.keys.unseal(key.encrypted_key, key.sealed_private).decode()
    document = documents.assertion_document(item, creator=urls.key_url(issuer.id, key.kid))
    return proofs.sign_jws(document, private_pem)


def revocation_list(issuer_id: str, *, store: Store) -> dict:
    revoked = store.issuer_keys.revocations(issuer_id)
    return ob2.revocation_list(
        id=urls.revocation_list_url(issuer_id),
        issuer=urls.issuer_url(issuer_id),
        revoked=[(urls.assertion_url(r.assertion_id), r.reason) for r in revoked],
    )
