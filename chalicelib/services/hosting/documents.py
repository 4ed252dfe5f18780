"""The hosted Open Badges 2.0 documents of issuers, badge classes and assertions."""

from __future__ import annotations

from chalicelib.openbadges import ob2
from chalicelib.openbadges.evidence import stored_evidence
from chalicelib.services.shared import urls
from chalicelib.store.badge_classes import BadgeClass
from chalicelib.store.issuers import Issuer


def issuer_document(issuer: Issuer) -> dict:
    signing = bool(issuer.signing and issuer.signing_kid)
    return ob2.profile(
        id=urls.issuer_url(issuer.id),
        name=issuer.name,
        url=issuer.url,
        email=issuer.email,
        description=issuer.description,
        image=urls.issuer_image_url(issuer.id) if issuer.image_key else None,
        public_keys=[urls.key_url(issuer.id, issuer.signing_kid)] if signing else (),
        revocation_list=urls.revocation_list_url(issuer.id) if signing else None,
    )


def badge_document(badge: BadgeClass) -> dict:
    return ob2.badge_class(
        id=urls.badge_url(badge.id),
        issuer=urls.issuer_url(badge.issuer_id),
        name=badge.name,
        description=badge.description,
        image=urls.badge_image_url(badge.id, badge.image_key),
        criteria_url=badge.criteria_url,
        criteria_narrative=badge.criteria_narrative,
        tags=list(badge.tags or []),
        alignment=list(badge.alignment or []),
    )


def assertion_document(item, *, creator: str | None = None) -> dict:
    """The assertion, hosted (default) or signed (with the key URL as `creator`)."""
    url = urls.assertion_url(item.id)
    verification = ob2.signed_verification(creator) if creator else ob2.hosted_verification()
    return ob2.assertion(
        id=url,
        badge=urls.badge_url(item.badge_id),
        identity=item.identity,
        salt=item.salt,
        issued_on=item.issued_on,
        verification=verification,
        image=urls.assertion_baked_url(item.id, "png"),
        expires=item.expires,
        narrative=item.narrative,
        evidence=stored_evidence(item.evidence),
    )
