"""The hosted Open Badges 2.0 documents of issuers, badge classes and assertions."""

from __future__ import annotations

from chalicelib.config import get_settings
from chalicelib.openbadges import ob2
from chalicelib.openbadges.evidence import stored_evidence
from chalicelib.store.models import AssertionItem, BadgeClassItem, IssuerItem


def base() -> str:
    return get_settings().public_base_url


def issuer_url(issuer_id: str) -> str:
    return f"{base()}/public/issuers/{issuer_id}"


def badge_url(badge_id: str) -> str:
    return f"{base()}/public/badges/{badge_id}"


def assertion_url(assertion_id: str) -> str:
    return f"{base()}/public/assertions/{assertion_id}"


def key_url(issuer_id: str, kid: str) -> str:
    return f"{issuer_url(issuer_id)}/keys/{kid}"


def revocation_list_url(issuer_id: str) -> str:
    return f"{issuer_url(issuer_id)}/revocations"


def issuer_document(issuer: IssuerItem) -> dict:
    signing = bool(issuer.signing and issuer.signing_kid)
    return ob2.profile(
        id=issuer_url(issuer.id),
        name=issuer.name,
        url=issuer.url,
        email=issuer.email,
        description=issuer.description,
        image=f"{issuer_url(issuer.id)}/image" if issuer.image_key else None,
        public_keys=[key_url(issuer.id, issuer.signing_kid)] if signing else (),
        revocation_list=revocation_list_url(issuer.id) if signing else None,
    )


def badge_image_url(badge_id: str, image_key: str) -> str:
    return f"{badge_url(badge_id)}/image.{image_key.rsplit('.', 1)[-1]}"


def badge_document(badge: BadgeClassItem) -> dict:
    return ob2.badge_class(
        id=badge_url(badge.id),
        issuer=issuer_url(badge.issuer_id),
        name=badge.name,
        description=badge.description,
        image=badge_image_url(badge.id, badge.image_key),
        criteria_url=badge.criteria_url,
        criteria_narrative=badge.criteria_narrative,
        tags=list(badge.tags or []),
        alignment=badge.alignment or [],
    )


def assertion_document(item: AssertionItem, *, creator: str | None = None) -> dict:
    """The assertion, hosted (default) or signed (with the key URL as `creator`)."""
    url = assertion_url(item.id)
    verification = ob2.signed_verification(creator) if creator else ob2.hosted_verification()
    return ob2.assertion(
        id=url,
        badge=badge_url(item.badge_id),
        identity=item.identity,
        salt=item.salt,
        issued_on=item.issued_on,
        verification=verification,
        image=f"{url}/baked.png",
        expires=item.expires,
        narrative=item.narrative,
        evidence=stored_evidence(item.evidence),
    )
