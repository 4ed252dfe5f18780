"""What the hosted OB 2.0 URLs answer, decided once for each: the documents (with 410 Gone for a
revoked award), the readable pages' parts, the images, and the signed assertion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.errors import Gone, NotFound
from chalicelib.openbadges import ob2
from chalicelib.services.hosting import baked, documents, signing
from chalicelib.services.issuing import awards, badgeclasses, issuers
from chalicelib.services.shared import urls

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.badge_classes import BadgeClass
    from chalicelib.store.issuers import Issuer

BAKED = ("baked.png", "baked.svg")


@dataclass(frozen=True)
class Image:
    data: bytes
    content_type: str


@dataclass(frozen=True)
class AssertionPage:
    """What the readable assertion page shows; `status` is 410 for a revoked award."""

    assertion: Any
    badge: BadgeClass
    issuer: Issuer
    state: str
    status: int
    badge_image: str
    json_url: str


@dataclass(frozen=True)
class Hosted:
    """A hosted issuer or badge class: its JSON-LD document, and what its readable page shows."""

    document: dict
    issuer: Issuer | None = None  # a badge class's issuer: only for its page
    badge: BadgeClass | None = None


def issuer(issuer_id: str, *, store: Store) -> Hosted:
    found = issuers.get_issuer(issuer_id, store=store)
    return Hosted(documents.issuer_document(found), found)


def badge_class(badge_id: str, *, page: bool, store: Store) -> Hosted:
    """The badge class document; for the readable `page`, with its issuer too (a second read)."""
    badge = badgeclasses.get(None, badge_id, store=store)
    document = documents.badge_document(badge)
    if not page:
        return Hosted(document)  # one GetItem: what verifiers fetch
    return Hosted(document, issuers.get_issuer(badge.issuer_id, store=store), badge)


def _image(data: bytes | None, key: str) -> Image:
    if data is None:
        raise NotFound("No such image.")
    return Image(data, "image/svg+xml" if key.endswith(".svg") else "image/png")


def issuer_image(issuer_id: str, *, store: Store) -> Image:
    issuer = issuers.get_issuer(issuer_id, store=store)
    if not issuer.image_key:
        raise NotFound("This issuer has no image.")
    return _image(store.images.get(issuer.image_key), issuer.image_key)


def badge_image(badge_id: str, filename: str, *, store: Store) -> Image:
    """`image.png` or `image.svg` of a badge class (an SVG class has both)."""
    if filename not in ("image.png", "image.svg"):
        raise NotFound("No such file.")
    badge = badgeclasses.get(None, badge_id, store=store)
    key = badge.image_key.rsplit(".", 1)[0] + filename[5:]
    return _image(store.images.get(key), key)


def revocation_list(issuer_id: str, *, store: Store) -> dict:
    issuers.get_issuer(issuer_id, store=store)
    return signing.revocation_list(issuer_id, store=store)


def assertion_document(assertion_id: str, *, store: Store) -> tuple[dict, int]:
    """The hosted assertion and its status: 200, or 410 with `revoked: true` and the reason."""
    item = awards.find(None, assertion_id, store=store)  # one read: it holds all its document needs
    if item.state == "revoked":
        return ob2.revoked(urls.assertion_url(item.id), item.revocation_reason or ""), 410
    return documents.assertion_document(item), 200


def assertion_page(assertion_id: str, *, store: Store) -> AssertionPage:
    item = awards.find(None, assertion_id, store=store)
    badge = badgeclasses.get(None, item.badge_id, store=store)
    state = awards.status(item)
    return AssertionPage(
        assertion=item,
        badge=badge,
        issuer=issuers.get_issuer(item.issuer_id, store=store),
        state=state,
        status=410 if state == "revoked" else 200,
        badge_image=urls.badge_image_url(badge.id, badge.image_key),
        json_url=urls.assertion_url(item.id),
    )


def _live(assertion_id: str, *, store: Store):
    """The award, unless revoked: a revoked award's files are gone (410, saying so as JSON-LD does)."""
    item = awards.find(None, assertion_id, store=store)
    if item.state == "revoked":
        raise Gone(
            "This badge has been revoked.",
            extra={
                "id": urls.assertion_url(item.id),
                "type": "Assertion",
                "revoked": True,
                "revocationReason": item.revocation_reason,
            },
        )
    return item


def assertion_file(assertion_id: str, filename: str, *, store: Store) -> Image | str:
    """A file of a live award: a baked image, or (`signed`) the compact JWS of a signing issuer."""
    item = _live(assertion_id, store=store)
    if filename in BAKED:
        kind = filename[-3:]
        return Image(baked.image(item, kind, store=store), baked.CONTENT_TYPES[kind])
    if filename == "signed":
        return signing.signed_assertion(item, issuers.get_issuer(item.issuer_id, store=store), store=store)
    raise NotFound("No such file.")
