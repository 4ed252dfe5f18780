"""Signed Open Badges 2.0: per-issuer RSA keys (KMS-enveloped), JWS assertions, revocation lists."""

from __future__ import annotations

from chalicelib.errors import NotFound
from chalicelib.openbadges import ob2, proofs
from chalicelib.services.hosting import documents
from chalicelib.services.shared import ids, urls
from chalicelib.store import keys
from chalicelib.store.models import AssertionItem, IssuerItem, RevocationItem, SigningKeyItem


def enable(issuer: IssuerItem) -> IssuerItem:
    """Turn signing on, creating the issuer's key on first use."""
    actions = [IssuerItem.signing.set(True), IssuerItem.updated_at.set(ids.now())]
    if not issuer.signing_kid:
        kid = ids.new_id()
        private_pem, public_pem = proofs.generate_rsa_key()
        encrypted_key, sealed = keys.seal(private_pem.encode())
        SigningKeyItem(
            issuer.pk,
            f"RSAKEY#{kid}",
            kid=kid,
            public_pem=public_pem,
            encrypted_key=encrypted_key,
            sealed_private=sealed,
            created_at=ids.now(),
        ).save()
        actions.append(IssuerItem.signing_kid.set(kid))
    issuer.update(actions=actions)
    return issuer


def disable(issuer: IssuerItem) -> IssuerItem:
    issuer.update(actions=[IssuerItem.signing.set(False), IssuerItem.updated_at.set(ids.now())])
    return issuer


def _key(issuer_id: str, kid: str) -> SigningKeyItem:
    if not (ids.plausible_id(issuer_id) and ids.plausible_id(kid)):
        raise NotFound("No key has that id.")
    try:
        return SigningKeyItem.get(f"ISSUER#{issuer_id}", f"RSAKEY#{kid}")
    except SigningKeyItem.DoesNotExist:
        raise NotFound(f"No key {kid}.") from None


def key_document(issuer_id: str, kid: str) -> dict:
    key = _key(issuer_id, kid)
    return ob2.cryptographic_key(
        id=urls.key_url(issuer_id, kid), owner=urls.issuer_url(issuer_id), public_pem=key.public_pem
    )


def signed_assertion(item: AssertionItem, issuer: IssuerItem) -> str:
    """The assertion as a compact JWS by the issuer's current key."""
    if not (issuer.signing and issuer.signing_kid):
        raise NotFound("This issuer does not sign its badges.")
    key = _key(issuer.id, issuer.signing_kid)
    private_pem = keys.unseal(key.encrypted_key, key.sealed_private).decode()
    document = documents.assertion_document(item, creator=urls.key_url(issuer.id, key.kid))
    return proofs.sign_jws(document, private_pem)


def revocation_list(issuer_id: str) -> dict:
    revoked = RevocationItem.query(f"ISSUER#{issuer_id}", RevocationItem.sk.startswith("REVOKED#"))
    return ob2.revocation_list(
        id=urls.revocation_list_url(issuer_id),
        issuer=urls.issuer_url(issuer_id),
        revoked=[(urls.assertion_url(r.assertion_id), r.reason) for r in revoked],
    )
