"""Open Badges 2.0 documents: Issuer Profile, BadgeClass, Assertion, CryptographicKey, RevocationList."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from .evidence import Evidence

CONTEXT = "https://w3id.org/openbadges/v2"

_ALIGNMENT_FIELDS = ("targetName", "targetUrl", "targetDescription", "targetFramework", "targetCode")


def normalise_email(email: str) -> str:
    """An email address as it is hashed: surrounding space removed, Unicode NFC, lower case.

    NFC makes a decomposed "é" (e + combining accent) hash like the composed one; ASCII is unchanged.
    """
    return unicodedata.normalize("NFC", email.strip()).lower()


def hashed_identity(email: str, salt: str) -> str:
    """OB 2.0 IdentityObject hash of a normalised email address."""
    return "sha256$" + sha256((normalise_email(email) + salt).encode()).hexdigest()


def iso8601(dt: datetime) -> str:
    """A UTC timestamp to the second with a Z suffix; naive datetimes are taken as UTC."""
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _document(type_: str, **fields: Any) -> dict:
    """A JSON-LD document of this type, leaving out fields that are None or empty."""
    doc: dict[str, Any] = {"@context": CONTEXT, "type": type_}
    doc.update({k: v for k, v in fields.items() if v is not None and v != [] and v != ""})
    return doc


def _compact(obj: Mapping[str, Any]) -> dict:
    """A copy of a plain object without None or empty values."""
    return {k: v for k, v in obj.items() if v is not None and v != ""}


def profile(
    *,
    id: str,
    name: str,
    url: str,
    email: str,
    description: str | None = None,
    image: str | None = None,
    public_keys: Sequence[str] = (),
    revocation_list: str | None = None,
) -> dict:
    """An Issuer Profile; the validator requires url and email."""
    return _document(
        "Issuer",
        id=id,
        name=name,
        url=url,
        email=email,
        description=description,
        image=image,
        publicKey=list(public_keys),
        revocationList=revocation_list,
    )


def badge_class(
    *,
    id: str,
    issuer: str,
    name: str,
    description: str,
    image: str,
    criteria_url: str | None = None,
    criteria_narrative: str | None = None,
    tags: Sequence[str] = (),
    alignment: Sequence[Mapping[str, str]] = (),
) -> dict:
    """A BadgeClass whose criteria is a URL, a Markdown narrative, or both."""
    criteria = _compact({"id": criteria_url, "narrative": criteria_narrative})
    if not criteria:
        raise ValueError("a badge class needs criteria: a URL, a narrative or both")
    aligned = [_compact({k: item.get(k) for k in _ALIGNMENT_FIELDS}) for item in alignment]
    return _document(
        "BadgeClass",
        id=id,
        name=name,
        description=description,
        image=image,
        criteria=criteria,
        issuer=issuer,
        tags=list(tags),
        alignment=aligned,
    )


def assertion(
    *,
    id: str,
    badge: str,
    identity: str,
    salt: str,
    issued_on: datetime,
    verification: dict,
    image: str | None = None,
    expires: datetime | None = None,
    narrative: str | None = None,
    evidence: Sequence[Evidence] = (),
) -> dict:
    """An Assertion awarding a badge to a hashed email identity."""
    return _document(
        "Assertion",
        id=id,
        recipient={"type": "email", "hashed": True, "salt": salt, "identity": identity},
        badge=badge,
        verification=verification,
        issuedOn=iso8601(issued_on),
        image=image,
        expires=iso8601(expires) if expires else None,
        narrative=narrative,
        evidence=[{"type": "Evidence", **e.fields()} for e in evidence],
    )


def hosted_verification() -> dict:
    """Verification by fetching the assertion from its id."""
    return {"type": "hosted"}


def signed_verification(creator: str) -> dict:
    """Verification by a JWS signed with the key at the creator URL."""
    return {"type": "signed", "creator": creator}


def revoked(id: str, reason: str) -> dict:
    """What a verifier sees at a revoked hosted assertion's URL."""
    return {"@context": CONTEXT, "id": id, "type": "Assertion", "revoked": True, "revocationReason": reason}


def cryptographic_key(*, id: str, owner: str, public_pem: str) -> dict:
    """A CryptographicKey owned by an issuer, for signed assertions."""
    return _document("CryptographicKey", id=id, owner=owner, publicKeyPem=public_pem)


def revocation_list(*, id: str, issuer: str, revoked: Sequence[tuple[str, str]]) -> dict:
    """A RevocationList of (assertion id, reason) pairs; present even when empty."""
    doc = _document("RevocationList", id=id, issuer=issuer)
    doc["revokedAssertions"] = [{"id": a, "revocationReason": r} for a, r in revoked]
    return doc
