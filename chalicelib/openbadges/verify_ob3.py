"""Verifying Open Badges 3.0 credentials: eddsa-rdfc-2022 proofs, issuer keys, Bitstring Status Lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import unquote

from .verify_base import (
    Documents,
    Failed,
    Report,
    check_recipient,
    check_validity,
    identity_matches,
    image_of,
)

_CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
_KEY_TYPES = {"Multikey", "Ed25519VerificationKey2020"}
_NOT_DATA_INTEGRITY = (
    "Laurel verifies Open Badges 3.0 credentials secured with Data Integrity proofs (eddsa-rdfc-2022)"
)


def _types(document: dict) -> list:
    types = document.get("type") or []
    return types if isinstance(types, list) else [types]


def is_credential(document: Any) -> bool:
    """Whether a JSON value looks like a W3C Verifiable Credential."""
    if not isinstance(document, dict):
        return False
    contexts = document.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    return "VerifiableCredential" in _types(document) or any(
        isinstance(c, str) and "/credentials/" in c for c in contexts
    )


def _id_of(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def verify_credential(credential: dict, *, docs: Documents, report: Report, now: datetime) -> None:
    """Check an OpenBadgeCredential: proof by the issuer's key, recipient, validity period, status."""
    report.version = "3.0"
    subject = credential.get("credentialSubject")
    if not _CREDENTIAL_TYPES & set(_types(credential)) or not isinstance(subject, dict):
        raise Failed("parsed", "It is a Verifiable Credential but not an Open Badges 3.0 credential.")
    issuer_id = _id_of(credential.get("issuer"))
    if not isinstance(issuer_id, str) or not issuer_id:
        raise Failed("parsed", "The credential does not name its issuer.")
    report.record("parsed", True, "Read the Open Badges 3.0 credential.")
    _describe(report, credential, subject, issuer_id)
    try:
        verify_proof(credential, issuer_id, docs, check="signature-valid")
        report.record("signature-valid", True, "The issuer's key signed exactly this credential.")
    except Failed as failed:
        report.record("signature-valid", False, failed.sentence)
    if report.expected_email:
        check_recipient(report, _recipient_matches(subject, report.expected_email))
    check_validity(
        report,
        not_after=credential.get("validUntil") or credential.get("expirationDate"),
        not_before=credential.get("validFrom") or credential.get("issuanceDate"),
        now=now,
    )
    try:
        _check_status(report, credential, issuer_id, docs)
    except Failed as failed:
        report.record("not-revoked", False, failed.sentence)


def verify_jwt_credential(report: Report) -> None:
    """A credential secured as a JWT (VC-JWT): read, but not a proof format Laurel checks."""
    report.version = "3.0"
    report.record("parsed", True, "Read the Open Badges 3.0 credential (a JWT).")
    report.record("signature-valid", False, _NOT_DATA_INTEGRITY + "; this one is a JWT.")


def _describe(report: Report, credential: dict, subject: dict, issuer_id: str) -> None:
    """The badge summary and the issuer-found check."""
    issuer = credential["issuer"] if isinstance(credential["issuer"], dict) else {}
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    name = issuer.get("name") if isinstance(issuer.get("name"), str) else None
    report.badge.update(
        name=achievement.get("name") or credential.get("name"),
        description=achievement.get("description") or credential.get("description"),
        issuer_name=name,
        issuer_id=issuer_id,
        image=image_of(credential.get("image")) or image_of(achievement.get("image")),
        issued_on=credential.get("validFrom")
        or credential.get("issuanceDate")
        or credential.get("awardedDate"),
        expires=credential.get("validUntil") or credential.get("expirationDate"),
    )
    report.record(
        "issuer-found", True, f"Issued by {name} ({issuer_id})." if name else f"Issued by {issuer_id}."
    )


def _recipient_matches(subject: dict, email: str) -> bool:
    """Whether one of the subject's email identifiers is this address."""
    identifiers = subject.get("identifier") or []
    for identifier in identifiers if isinstance(identifiers, list) else [identifiers]:
        if isinstance(identifier, dict) and identifier.get("identityType") == "emailAddress":
            hashed, salt = identifier.get("hashed"), identifier.get("salt")
            if identity_matches(email, identifier.get("identityHash"), hashed=hashed, salt=salt):
                return True
    return False


# --- proofs and keys ---------------------------------------------------------------------------------


def verify_proof(document: dict, issuer_id: str, docs: Documents, *, check: str) -> None:
    """Failed(check) unless an eddsa-rdfc-2022 proof by a key the issuer authorised signed the document."""
    from . import dataintegrity
    from .jsonld import KNOWN_URLS

    proofs = document.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    proof = next((p for p in proofs if isinstance(p, dict) and p.get("type") == "DataIntegrityProof"), None)
    if proof is None or proof.get("cryptosuite") != dataintegrity.CRYPTOSUITE:
        raise Failed(check, _NOT_DATA_INTEGRITY + "; this one has no such proof.")
    contexts = document.get("@context")
    for context in contexts if isinstance(contexts, list) else [contexts]:
        if isinstance(context, str) and context not in KNOWN_URLS:
            raise Failed(check, f"It uses the JSON-LD context {context}, which Laurel has no copy of.")
    try:
        dataintegrity.check_shape(document)
    except ValueError as error:
        raise Failed(check, f"Laurel cannot check this proof: {error}.") from None
    public_key = _public_key(proof.get("verificationMethod"), issuer_id, docs, check)
    try:
        matches = dataintegrity.verify({**document, "proof": proof}, public_key)
    except dataintegrity.PoisonDatasetError as error:
        raise Failed(
            check, f"The credential's graph is too complex to verify (poison dataset): {error}."
        ) from None
    if not matches:
        raise Failed(check, "The proof does not match: the credential was changed after signing.")


def _public_key(method_id: Any, issuer_id: str, docs: Documents, check: str) -> bytes:
    """The Ed25519 key of a verification method the issuer controls and lists under assertionMethod."""
    from .dataintegrity import public_key_from_multikey

    if not isinstance(method_id, str) or not method_id:
        raise Failed(check, "The proof does not name its verification method.")
    if method_id.startswith("did:key:"):
        did = method_id.partition("#")[0]
        method = {"controller": did, "publicKeyMultibase": did[len("did:key:") :], "type": "Multikey"}
        authorised = True
    else:
        document = _controller_document(method_id.partition("#")[0], docs, check)
        method = _find_method(document, method_id)
        if method is None:
            raise Failed(check, f"The key {method_id} is not in the document at its address.")
        controller = method.get("controller")
        if controller != document.get("id"):
            document = _controller_document(controller, docs, check)
        authorised = method_id in _method_ids(document.get("assertionMethod"), document.get("id"))
    if method.get("controller") != issuer_id:
        raise Failed(check, f"The key {method_id} belongs to {method.get('controller')}, not to the issuer.")
    if not authorised:
        raise Failed(check, f"The issuer has not authorised the key {method_id} to issue credentials.")
    try:
        return public_key_from_multikey(method.get("publicKeyMultibase"))
    except ValueError:
        raise Failed(check, f"The key {method_id} is not an Ed25519 Multikey.") from None


def _controller_document(url: Any, docs: Documents, check: str) -> dict:
    """The document at a key's or controller's address (did:web mapped to https); its id must match."""
    where = _did_web_url(url) if isinstance(url, str) and url.startswith("did:web:") else url
    document = docs.json(where, check=check, what="issuer's key document")
    if document.get("id") != url:
        raise Failed(check, f"The document at {where} is not the key document it should be.")
    return document


def _did_web_url(did: str) -> str:
    """The https address of a did:web DID document."""
    host, *path = [unquote(part) for part in did[len("did:web:") :].split(":")]
    return f"https://{host}/{'/'.join(path)}/did.json" if path else f"https://{host}/.well-known/did.json"


def _absolute(method_id: Any, base: Any) -> Any:
    """A verification method id, resolved against its document's id when written as "#fragment"."""
    return f"{base}{method_id}" if isinstance(method_id, str) and method_id.startswith("#") else method_id


def _method_ids(values: Any, base: Any) -> set:
    """The ids of verification methods listed (as ids or embedded objects)."""
    values = values if isinstance(values, list) else [values]
    return {_absolute(_id_of(v), base) for v in values} - {None}


def _find_method(document: dict, method_id: str) -> dict | None:
    """The key method_id: the document itself, or one of its verificationMethod / assertionMethod entries."""
    base = document.get("id")
    candidates = [document]
    for listed in ("verificationMethod", "assertionMethod"):
        values = document.get(listed) or []
        candidates += [v for v in (values if isinstance(values, list) else [values]) if isinstance(v, dict)]
    for method in candidates:
        if _absolute(method.get("id"), base) == method_id and method.get("type") in _KEY_TYPES:
            return method
    return None


# --- revocation --------------------------------------------------------------------------------------


def _check_status(report: Report, credential: dict, issuer_id: str, docs: Documents) -> None:
    """The credential's revocation bit in the issuer's signed Bitstring Status List, when it has one."""
    from .ob3 import is_revoked

    status = credential.get("credentialStatus")
    entries = [s for s in (status if isinstance(status, list) else [status]) if isinstance(s, dict)]
    revocation = [e for e in entries if e.get("statusPurpose", "revocation") == "revocation"]
    if not revocation:
        report.record("not-revoked", True, "The issuer publishes no revocation status for it.")
        return
    for entry in revocation:
        if entry.get("type") != "BitstringStatusListEntry":
            raise Failed(
                "not-revoked", f"Its revocation status ({entry.get('type')}) is a kind Laurel cannot check."
            )
        url = entry.get("statusListCredential")
        listed = docs.json(url, check="not-revoked", what="status list")
        if "BitstringStatusListCredential" not in _types(listed) or _id_of(listed.get("issuer")) != issuer_id:
            raise Failed("not-revoked", f"The document at {url} is not the issuer's status list.")
        verify_proof(listed, issuer_id, docs, check="not-revoked")
        try:
            revoked = is_revoked(listed, int(entry.get("statusListIndex")))
        except (TypeError, ValueError) as error:
            raise Failed("not-revoked", f"Its status list entry cannot be read ({error}).") from None
        if revoked:
            raise Failed("not-revoked", "The issuer has revoked this credential (its status list says so).")
    report.record("not-revoked", True, "The issuer's signed status list says it is not revoked.")
