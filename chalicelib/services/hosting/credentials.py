"""Open Badges 3.0: each award as a signed OpenBadgeCredential, the issuers' status lists, baked images.

Credentials are signed when requested, with the issuer's current key (credential_keys.py), so a
re-certified award (new expiry) or a rotated key needs no re-signing job. The proof's `created` is the
award's last change (or the key's creation, if later), which makes the same award serve the same bytes
until it changes.

Revocation: a BitstringStatusListEntry per credential. The index is given on the first credential
request (award_storage.py: an atomic counter, then a conditional SET on the assertion), so awarding
costs nothing extra and revoking an award that never had a credential requested sets no bit.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from chalicelib.errors import NotFound
from chalicelib.openbadges import baking, ob3
from chalicelib.openbadges.evidence import stored_evidence
from chalicelib.services.hosting import award_storage, baked, credential_keys
from chalicelib.services.issuing import awards, badgeclasses, issuers
from chalicelib.services.shared import ids, urls

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.issuers import Issuer

LIST_SIZE = ob3.STATUS_LIST_SIZE


def credential_document(item, issuer: Issuer, badge=None, *, store: Store) -> dict:
    """The unsigned OpenBadgeCredential of an award (giving it a status index on first use)."""
    badge = badge or badgeclasses.get(None, item.badge_id, store=store)
    issuer_image = urls.issuer_image_url(issuer.id) if issuer.image_key else None
    index = award_storage.status_index(item, store=store)
    document = ob3.credential(
        id=urls.credential_url(item.id),
        issuer=ob3.profile(
            id=urls.controller_url(issuer.id),
            name=issuer.name,
            url=issuer.url,
            email=issuer.email,
            description=issuer.description,
            image=issuer_image,
        ),
        achievement=ob3.achievement(
            id=urls.badge_url(badge.id),
            name=badge.name,
            description=badge.description,
            criteria_narrative=badge.criteria_narrative,
            criteria_id=badge.criteria_url,
            image=urls.badge_image_url(badge.id, badge.image_key),
            tags=list(badge.tags or []),
            alignment=list(badge.alignment or []),
        ),
        identity_hash=item.identity,
        salt=item.salt,
        valid_from=item.issued_on,
        valid_until=item.expires,
        name=badge.name,
        evidence=stored_evidence(item.evidence),
        image=urls.credential_baked_url(item.id, "png"),
        status_entry=ob3.status_entry(
            list_url=urls.status_list_url(issuer.id, index // LIST_SIZE), index=index % LIST_SIZE
        ),
    )
    if item.narrative:
        document["credentialSubject"]["narrative"] = item.narrative
    return document


def signed_credential(assertion_id: str, *, store: Store) -> dict:
    """The award as a signed OpenBadgeCredential; NotFound when missing or erased. Revoked ones are served:
    their status list says revoked."""
    item = awards.find(None, assertion_id, store=store)
    issuer = issuers.get_issuer(item.issuer_id, store=store)
    document = credential_document(item, issuer, store=store)
    return credential_keys.sign(document, issuer, item.updated_at, store=store)


def status_list(issuer_id: str, number: int, *, store: Store) -> dict:
    """The issuer's signed BitstringStatusListCredential number `number`; NotFound past the last one."""
    issuer = issuers.get_issuer(issuer_id, store=store)
    given_out = store.issuer_keys.status_indexes_given(issuer_id)
    if not given_out or not 0 <= number <= (given_out - 1) // LIST_SIZE:
        raise NotFound(f"No status list {number}.")
    revoked = store.issuer_keys.revoked_indexes(issuer_id, number, LIST_SIZE)
    now = ids.now()
    document = ob3.status_list_credential(
        id=urls.status_list_url(issuer_id, number),
        issuer=urls.controller_url(issuer_id),
        valid_from=now,
        revoked_indexes=sorted(revoked),
    )
    return credential_keys.sign(document, issuer, now, store=store)


# --- baked images ---------------------------------------------------------------------------------


def baked_image(assertion_id: str, kind: str, *, store: Store) -> bytes:
    """The badge image with the signed credential baked in, kept in S3 per assertion version."""
    item = awards.find(None, assertion_id, store=store)
    if kind == "svg" and not baked.has_svg(item):
        raise NotFound("This badge has no SVG image; use baked.png.")
    key = baked.file_key(item, f"{baked.OB3_BAKED[0]}.{kind}")
    data = store.images.get(key)
    if data is None:
        data = _bake(item, kind, store)
        baked.keep(item, key, data, kind, store=store)
    return data


def _bake(item, kind: str, store: Store) -> bytes:
    source = store.images.get(baked.source_key(item, kind))
    if source is None:
        raise NotFound("The badge image is missing.")
    issuer = issuers.get_issuer(item.issuer_id, store=store)
    document = credential_document(item, issuer, store=store)
    signed = credential_keys.sign(document, issuer, item.updated_at, store=store)
    text = json.dumps(signed, separators=(",", ":"), ensure_ascii=False)
    if kind == "png":
        return baking.bake_png(source, text, keyword="openbadgecredential")
    return baking.bake_svg(source.decode(), body=text, version=3).encode()
