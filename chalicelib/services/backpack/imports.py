"""Badges from elsewhere in an earner's backpack: verified, matched to a verified address, kept, re-verified.

An import is checked by the same verifier as /verify, once per verified address of the account (at most
50; import_checks.py says how the web is asked once). It is kept only when the verdict is valid for one
of those addresses, once per badge (`store.imports`, by the SHA-256 of the badge's id); the uploaded image
and text too long for a record go to `store.images`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chalicelib.errors import Invalid, NotFound, Taken
from chalicelib.services.backpack import import_checks as checks
from chalicelib.services.backpack.import_checks import IMAGE_TYPES, NotYours, digest_of, is_jws
from chalicelib.services.earners import accounts
from chalicelib.services.shared import ids
from chalicelib.store.imports import ImportedBadge

if TYPE_CHECKING:
    from chalicelib.store import Store

__all__ = ["IMAGE_TYPES", "Imported", "NotYours", "digest_of", "is_jws"]

MAX_INLINE_CHARS = 32 * 1024  # longer text goes to S3: a DynamoDB item holds at most 400 KB
MAX_LISTED = 500
_FIELD_LIMITS = {"name": 200, "description": 2000, "issuer_name": 200, "issuer_id": 2000}


@dataclass
class Imported:
    """The outcome of an import: the badge kept and whether this request kept it."""

    item: ImportedBadge
    created: bool


def _fetcher():
    from chalicelib.services.verification import fetching

    return fetching.fetcher()


def _ordered_addresses(account: Any, first: str | None = None, *, store: Store) -> list[str]:
    found = accounts.verified_addresses(account, store=store)
    preferred = [a for a in (first, account.primary_email) if a in found]
    return list(dict.fromkeys([*preferred, *found]))


# --- import -----------------------------------------------------------------------------------------


def import_badge(
    account: Any,
    *,
    url: str | None = None,
    text: str | None = None,
    image: bytes | None = None,
    fetch=None,
    store: Store,
) -> Imported:
    """Verify and keep a badge from elsewhere; Invalid (422), NotYours (403) or TooLarge (413) otherwise."""
    field, value = checks.given(url, text, image)
    addresses = _ordered_addresses(account, store=store)
    if not addresses:
        raise checks.invalid(field, "Verify one of your email addresses before importing badges.")
    web = checks.Web(fetch or _fetcher())
    report, matched = checks.verify_for(value, field, addresses, web)
    if matched is None:
        failed = checks.failed_checks(report)
        if [c["id"] for c in failed] == ["recipient-matches"]:
            detail = "This badge was not issued to any of your verified email addresses."
            raise checks.invalid(field, detail, NotYours)
        raise checks.invalid(field, report["sentence"])
    document, badge_id = checks.resolve(value, field, web)
    badge_id = badge_id or "sha256:" + hashlib.sha256(document.encode() if document else b"").hexdigest()
    digest = digest_of(badge_id)
    existing = store.imports.get(account.id, digest)
    if existing is not None:
        return Imported(existing, False)
    badge = _described(account.id, digest, badge_id, matched, report)
    return _keep(badge, field, value, document, store=store)


def _described(account_id: str, digest: str, badge_id: str, matched: str, report: dict) -> ImportedBadge:
    """The badge as the verifier read it, before its input is placed."""
    badge = report.get("badge") or {}
    return ImportedBadge(
        account_id=account_id,
        digest=digest,
        badge_id=badge_id[: checks.MAX_URL_CHARS],
        source_kind="url",
        matched_email=matched,
        version=report.get("version"),
        image=checks.image_url(badge.get("image")),
        issued_on=checks.short(badge.get("issued_on"), 64),
        expires=checks.short(badge.get("expires"), 64),
        imported_at=ids.now(),
        **{name: checks.short(badge.get(name), limit) for name, limit in _FIELD_LIMITS.items()},
    )


def _keep(
    badge: ImportedBadge, field: str, value: str | bytes, document: str | None, *, store: Store
) -> Imported:
    """Place the input (in the record, or its file in S3) and keep the badge once."""
    written: list[str] = []
    prefix = f"imports/{badge.account_id}/{badge.digest}"
    if isinstance(value, bytes):
        kind = "png" if value.startswith(b"\x89PNG") else "svg"
        badge = replace(badge, source_kind=kind, source_key=f"{prefix}.{kind}")
        store.images.put(badge.source_key, value, IMAGE_TYPES[kind])
        written.append(badge.source_key)
    elif field == "url":
        badge = replace(badge, source_kind="url", source=value)
    else:
        source, source_key = _inline_or_s3(value, f"{prefix}.source.txt", written, store=store)
        badge = replace(
            badge, source_kind="jws" if is_jws(value) else "json", source=source, source_key=source_key
        )
    if document is not None and not (badge.source_kind in ("json", "jws") and document == value.strip()):
        text, key = _inline_or_s3(document, f"{prefix}.document.txt", written, store=store)
        badge = replace(badge, document=text, document_key=key)
    try:
        store.imports.add(badge)
    except Taken:
        store.images.delete(written)
        existing = store.imports.get(badge.account_id, badge.digest)  # imported meanwhile: keep that one
        if existing is None:
            raise
        return Imported(existing, False)
    except Exception:
        store.images.delete(written)
        raise
    return Imported(badge, True)


def _inline_or_s3(text: str, key: str, written: list[str], *, store: Store) -> tuple[str | None, str | None]:
    if len(text) <= MAX_INLINE_CHARS:
        return text, None
    store.images.put(key, text.encode("utf-8"), "text/plain; charset=utf-8")
    written.append(key)
    return None, key


# --- reading ----------------------------------------------------------------------------------------


def get(account: Any, digest: str, *, store: Store) -> ImportedBadge:
    """The account's imported badge; NotFound otherwise (also for another account's)."""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise NotFound("No such imported badge.")
    badge = store.imports.get(account.id, digest)
    if badge is None:
        raise NotFound("No such imported badge in your backpack.")
    return badge


def list_imported(account: Any, *, store: Store) -> list[ImportedBadge]:
    """The account's imported badges, newest first (one Query, at most 500; display data, not re-verified)."""
    return store.imports.newest(account.id, limit=MAX_LISTED)


def source_of(badge: ImportedBadge, *, store: Store) -> str | bytes:
    """The original input: the URL, the text, or the image bytes."""
    if badge.source_key:
        data = store.images.get(badge.source_key)
        if data is None:
            raise NotFound("The imported badge's file is missing.")
        return data if badge.source_kind in IMAGE_TYPES else data.decode("utf-8")
    return badge.source or ""


def document_of(badge: ImportedBadge, *, store: Store) -> str | None:
    """The badge's JSON (or JWS) as read when it was imported."""
    if badge.document_key:
        data = store.images.get(badge.document_key)
        return data.decode("utf-8") if data is not None else None
    if badge.document:
        return badge.document
    return source_of(badge, store=store) if badge.source_kind in ("json", "jws") else None


def reverify(account: Any, badge: ImportedBadge, *, fetch=None, store: Store) -> dict:
    """The verifier's report now, from the original input, for the account's matching verified address.

    Tries the address it matched at import first; when it no longer matches (or is no longer verified),
    the others. A badge that has become invalid (revoked, expired) reports why.
    """
    value = source_of(badge, store=store)
    field = {"url": "url", "png": "image", "svg": "image"}.get(badge.source_kind, "text")
    addresses = _ordered_addresses(account, first=badge.matched_email, store=store) or [badge.matched_email]
    web = checks.Web(fetch or _fetcher())
    try:
        report, _matched = checks.verify_for(value, field, addresses, web)
    except Invalid as error:
        return {
            "verdict": "invalid",
            "version": badge.version,
            "sentence": "This badge is not valid: " + error.detail,
            "checks": [{"id": "parsed", "name": "parsed", "passed": False, "sentence": error.detail}],
            "badge": None,
        }
    return report


def delete(account: Any, digest: str, *, store: Store) -> None:
    """Remove an imported badge and its files."""
    badge = get(account, digest, store=store)
    store.imports.delete(account.id, digest)
    store.images.delete([k for k in (badge.source_key, badge.document_key) if k])
