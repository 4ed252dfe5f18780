"""Verifying Open Badges 2.0 assertions: hosted (fetched from the issuer's origin) and signed (JWS)."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any

from .verify_base import (
    Documents,
    Failed,
    Report,
    check_recipient,
    check_validity,
    identity_matches,
    image_of,
    load_json,
    origin,
)

JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_HOSTED = {"hosted", "hostedbadge"}
_SIGNED = {"signed", "signedbadge"}


def jws_parts(token: str) -> tuple[dict, Any]:
    """The header and payload of a compact JWS, not yet verified; ValueError when unreadable."""
    header, payload, _ = token.split(".")
    decoded = [load_json(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in (header, payload)]
    if not isinstance(decoded[0], dict):
        raise ValueError("its header is not a JSON object")
    return decoded[0], decoded[1]


def verification_type(assertion: dict) -> str:
    """'hosted' or 'signed' (from verification.type; hosted when missing), else the type as written."""
    verification = assertion.get("verification")
    kind = verification.get("type", "hosted") if isinstance(verification, dict) else "hosted"
    kind = str(kind).lower()
    return "hosted" if kind in _HOSTED else "signed" if kind in _SIGNED else kind


def is_assertion(document: Any) -> bool:
    """Whether a JSON value looks like an OB 2.0 Assertion."""
    if not isinstance(document, dict):
        return False
    types = document.get("type") or document.get("@type")
    types = types if isinstance(types, list) else [types]
    return "Assertion" in types or ("recipient" in document and "badge" in document)


# --- hosted ------------------------------------------------------------------------------------------


def verify_hosted(
    assertion: dict, *, fetched_from: str | None, status: int, docs: Documents, report: Report, now: datetime
) -> None:
    """Check a hosted assertion, re-fetched from its id unless it was just fetched from there."""
    report.version = "2.0-hosted"
    url = assertion.get("id")
    if fetched_from != url or status not in (200, 410):
        assertion = docs.json(url, check="parsed", what="hosted assertion", statuses=(200, 410))
        status = docs.get(url).status
        if assertion.get("id", url) != url:
            raise Failed("parsed", f"The assertion at {url} says its address is {assertion.get('id')}.")
    if status == 410 or assertion.get("revoked") is True:
        _revoked(report, assertion)
        if "badge" not in assertion:
            report.record("parsed", True, f"Read the Open Badges 2.0 assertion hosted at {url}.")
            return
    _require(assertion, ("id", "recipient", "badge", "issuedOn"), "assertion")
    report.record("parsed", True, f"Read the Open Badges 2.0 assertion hosted at {url}.")
    issuer = _issuer(assertion, docs, report)
    _check_origin(report, assertion, issuer)
    _check_claims(report, assertion, now)
    if "not-revoked" not in report.results:
        report.record("not-revoked", True, "The issuer still hosts it and has not revoked it.")


def _check_origin(report: Report, assertion: dict, issuer: dict) -> None:
    """The hosted assertion lives at its own id, on the issuer's origin (or one it allows)."""
    url, issuer_id = assertion.get("id"), issuer.get("id")
    verification = issuer.get("verification") if isinstance(issuer.get("verification"), dict) else {}
    allowed = verification.get("allowedOrigins") or []
    allowed = [allowed] if isinstance(allowed, str) else allowed
    here = origin(url)
    ok = here is not None and (here == origin(issuer_id) or any(here[1] == str(a).lower() for a in allowed))
    if ok:
        report.record("hosted-on-issuer-origin", True, f"It is hosted on the issuer's own site ({here[1]}).")
    else:
        report.record(
            "hosted-on-issuer-origin",
            False,
            f"It is hosted at {url}, which is not on the issuer's site ({issuer_id}).",
        )


# --- signed ------------------------------------------------------------------------------------------


def verify_signed(token: str, payload: dict, *, docs: Documents, report: Report, now: datetime) -> None:
    """Check a signed assertion: its key belongs to the issuer and the JWS signature checks out."""
    report.version = "2.0-signed"
    _require(payload, ("recipient", "badge", "issuedOn", "verification"), "signed assertion")
    creator = payload["verification"].get("creator") if isinstance(payload["verification"], dict) else None
    report.record("parsed", True, "Read the signed Open Badges 2.0 assertion (a JWS).")
    issuer = _issuer(payload, docs, report)
    _check_signature(report, token, creator, issuer, docs)
    _check_claims(report, payload, now)
    _check_revocation_list(report, payload, issuer, docs)


def _check_signature(report: Report, token: str, creator: Any, issuer: dict, docs: Documents) -> None:
    """The creator key is the issuer's (owned by it, and on its site or listed in its profile) and signed."""
    from .proofs import ProofError, verify_jws

    try:
        key = docs.json(creator, check="signature-valid", what="signing key")
    except Failed as failed:
        report.record("signature-valid", False, failed.sentence)
        return
    listed = issuer.get("publicKey") or []
    listed = [
        k.get("id") if isinstance(k, dict) else k for k in (listed if isinstance(listed, list) else [listed])
    ]
    if key.get("owner") != issuer.get("id") or key.get("id", creator) != creator:
        report.record("signature-valid", False, f"The signing key {creator} does not belong to this issuer.")
        return
    if creator not in listed and origin(creator) != origin(issuer.get("id")):
        report.record("signature-valid", False, f"The issuer's profile does not list the key {creator}.")
        return
    try:
        verify_jws(token, key.get("publicKeyPem") or "")
    except ProofError:
        report.record(
            "signature-valid", False, "The signature does not match: the badge was changed after signing."
        )
        return
    report.record("signature-valid", True, "The issuer's key signed exactly this badge.")


def _check_revocation_list(report: Report, assertion: dict, issuer: dict, docs: Documents) -> None:
    """Look the assertion up in the issuer's revocation list, if it publishes one."""
    list_url = issuer.get("revocationList")
    if not list_url:
        report.record("not-revoked", True, "The issuer publishes no revocation list.")
        return
    try:
        revocations = docs.json(list_url, check="not-revoked", what="revocation list")
    except Failed as failed:
        report.record("not-revoked", False, failed.sentence)
        return
    ids = {assertion.get("id"), assertion.get("uid")} - {None}
    for entry in revocations.get("revokedAssertions") or []:
        entry_ids = {entry} if isinstance(entry, str) else {entry.get("id"), entry.get("uid")}
        if ids & entry_ids:
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            report.record("not-revoked", False, _revoked_sentence(reason))
            return
    report.record("not-revoked", True, "It is not in the issuer's revocation list.")


# --- shared ------------------------------------------------------------------------------------------


def _require(document: dict, names: tuple[str, ...], what: str) -> None:
    """Failed(parsed) unless the document has every named field."""
    missing = [n for n in names if not document.get(n)]
    if missing:
        raise Failed("parsed", f"The {what} is missing {', '.join(missing)}.")


def _revoked_sentence(reason: Any) -> str:
    """The not-revoked failure, with the issuer's reason when it gave one."""
    why = f" Reason given: {reason}" if isinstance(reason, str) and reason.strip() else ""
    return "The issuer has revoked this badge." + why


def _revoked(report: Report, assertion: dict) -> None:
    report.record("not-revoked", False, _revoked_sentence(assertion.get("revocationReason")))


def _issuer(assertion: dict, docs: Documents, report: Report) -> dict:
    """The badge class (embedded or fetched) and the issuer profile, always fetched from its id."""
    badge = assertion.get("badge")
    if not isinstance(badge, dict):
        badge = docs.json(badge, check="issuer-found", what="badge class")
    issuer_ref = badge.get("issuer")
    issuer_id = issuer_ref.get("id") if isinstance(issuer_ref, dict) else issuer_ref
    issuer = docs.json(issuer_id, check="issuer-found", what="issuer profile")
    if issuer.get("id") != issuer_id or not issuer.get("name"):
        raise Failed("issuer-found", f"The document at {issuer_id} is not the issuer's profile.")
    report.badge.update(
        name=badge.get("name"),
        description=badge.get("description"),
        issuer_name=issuer.get("name"),
        issuer_id=issuer_id,
        image=image_of(assertion.get("image")) or image_of(badge.get("image")),
        issued_on=assertion.get("issuedOn"),
        expires=assertion.get("expires"),
    )
    report.record("issuer-found", True, f"Issued by {issuer['name']} ({issuer_id}).")
    return issuer


def _check_claims(report: Report, assertion: dict, now: datetime) -> None:
    """Recipient (when an email address is expected) and expiry."""
    if report.expected_email:
        recipient = assertion.get("recipient") if isinstance(assertion.get("recipient"), dict) else {}
        if recipient.get("type", "email") != "email":
            report.record(
                "recipient-matches", False, f"It was issued to a {recipient['type']}, not an email."
            )
        else:
            matched = identity_matches(
                report.expected_email,
                recipient.get("identity"),
                hashed=recipient.get("hashed"),
                salt=recipient.get("salt"),
            )
            check_recipient(report, matched)
    check_validity(report, not_after=assertion.get("expires"), not_before=None, now=now)
