"""Badges from elsewhere in an earner's backpack: verified, matched to a verified address, kept, re-verified.

An import is checked by the same verifier as /verify, once per verified address of the account (at most
50, and every run after the first reads the documents the first one fetched, so the web is asked once).
It is stored only when the verdict is valid for one of those addresses: pk ACCOUNT#id, sk IMPORT#sha256
of the badge's id, written with a condition so that importing the same badge twice keeps one item.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.errors import Invalid, NotFound, TooLarge
from chalicelib.services.earners import accounts
from chalicelib.services.shared import fields, ids
from chalicelib.store import images
from chalicelib.store.models import AccountItem, ImportedBadgeItem

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_TEXT_CHARS = 2 * 1024 * 1024
MAX_URL_CHARS = 2000
MAX_INLINE_CHARS = 32 * 1024  # longer text goes to S3: a DynamoDB item holds at most 400 KB
MAX_LISTED = 500
_FIELD_LIMITS = {"name": 200, "description": 2000, "issuer_name": 200, "issuer_id": 2000}
_MAX_DEPTH = 3
IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


class NotYours(Invalid):
    """A valid badge that was not issued to any verified address of the account."""

    status = 403
    title = "Not your badge"


@dataclass
class Imported:
    """The outcome of an import: the item and whether this request created it."""

    item: ImportedBadgeItem
    created: bool


# --- input ----------------------------------------------------------------------------------------


def _invalid(field: str, detail: str, cls: type[Invalid] = Invalid) -> Invalid:
    return cls(detail, errors=[{"field": field, "detail": detail}])


def _given(url: str | None, text: str | None, image: bytes | None) -> tuple[str, str | bytes]:
    """(field, value) of exactly one input, within the size limits; 422/413 otherwise."""
    given = [(f, v) for f, v in (("url", url), ("text", text), ("image", image)) if v]
    if len(given) != 1:
        detail = "Give one badge to import: an address, a baked image, or pasted JSON or JWS."
        raise Invalid(detail, errors=[{"field": f, "detail": detail} for f, _ in given or [("url", 1)]])
    field, value = given[0]
    if isinstance(value, bytes) and len(value) > MAX_UPLOAD_BYTES:
        raise _invalid(field, "The image is larger than 2 MB.", TooLarge)
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        raise _invalid(field, "The text is longer than 2 MB.", TooLarge)
    if field == "url":
        value = value.strip()
        if len(value) > MAX_URL_CHARS or not value.startswith(("https://", "http://")):
            raise _invalid("url", "Give an address starting with https:// (or http://).")
    svg = field == "image" and value.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"
    if field == "image" and not (value.startswith(b"\x89PNG") or svg):
        raise _invalid("image", "This file is not a PNG or SVG image.")
    return field, value


class _Web:
    """A fetch that asks the real one once per URL (errors included) and remembers the answers."""

    def __init__(self, fetch) -> None:
        self._fetch, self.answers = fetch, {}

    def __call__(self, url: str) -> tuple[int, str, bytes]:
        if url not in self.answers:
            try:
                self.answers[url] = self._fetch(url)
            except Exception as error:  # FetchError, FetchRefused: the same for every run
                self.answers[url] = error
        answer = self.answers[url]
        if isinstance(answer, Exception):
            raise answer
        return answer


def _fetcher():
    from chalicelib.services.verification import fetching

    return fetching.fetcher()


def _now() -> datetime:
    return datetime.now(UTC)


# --- verifying ------------------------------------------------------------------------------------


def _run(value: str | bytes, field: str, web: _Web, email: str) -> dict:
    from chalicelib.openbadges import verify as verifier

    try:
        return verifier.verify(value, fetch=web, now=_now, expected_email=email, field=field)
    except verifier.InputError as error:
        raise _invalid(error.field or field, error.sentence) from None


def _failed(report: dict) -> list[dict]:
    return [c for c in report["checks"] if c["passed"] is False]


def verify_for(value: str | bytes, field: str, addresses: list[str], web: _Web) -> tuple[dict, str | None]:
    """(report, the address it matched) trying each address; the address is None when none matched.

    Stops at the first run whose failures are not only the recipient check: no address can fix those.
    """
    report: dict = {}
    for email in addresses:
        report = _run(value, field, web, email)
        failed = _failed(report)
        if not failed:
            return report, email
        if any(c["id"] != "recipient-matches" for c in failed):
            return report, None
    return report, None


def _ordered_addresses(account: AccountItem, first: str | None = None) -> list[str]:
    found = accounts.verified_addresses(account)
    preferred = [a for a in (first, account.primary_email) if a in found]
    return list(dict.fromkeys([*preferred, *found]))


# --- what the badge is ----------------------------------------------------------------------------


def _resolve(value: str | bytes, field: str, web: _Web, depth: int = 0) -> tuple[str | None, str | None]:
    """(the badge's JSON or JWS text, its id) read from the input and the documents fetched for it."""
    from chalicelib.openbadges import verify as verifier
    from chalicelib.openbadges.baking import PNG_SIGNATURE

    if depth > _MAX_DEPTH:
        return None, None
    if isinstance(value, bytes):
        return _resolve(verifier._unbaked(value, field), field, web, depth + 1)
    text = value.strip().lstrip("\ufeff")
    if text.startswith(("http://", "https://")) and not any(c.isspace() for c in text):
        answer = web.answers.get(text)
        if not isinstance(answer, tuple):
            return None, text
        _status, kind, body = answer
        if kind.split(";")[0].strip().lower() in IMAGE_TYPES.values() or body.startswith(PNG_SIGNATURE):
            return _resolve(body, field, web, depth + 1)
        document, badge_id = _resolve(body.decode("utf-8", "replace"), field, web, depth + 1)
        return document, badge_id or text
    return text, _id_of(text)


def _id_of(text: str) -> str | None:
    from chalicelib.openbadges import verify_ob2

    try:
        payload = verify_ob2.jws_parts(text)[1] if verify_ob2.JWS.fullmatch(text) else json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(payload, dict) and isinstance(payload.get("vc"), dict):
        payload = {"id": payload.get("jti"), **payload["vc"]}
    badge_id = payload.get("id") if isinstance(payload, dict) else None
    return badge_id if isinstance(badge_id, str) and badge_id else None


def is_jws(text: str) -> bool:
    from chalicelib.openbadges.verify_ob2 import JWS

    return bool(JWS.fullmatch(text.strip()))


def digest_of(badge_id: str) -> str:
    return hashlib.sha256(badge_id.encode("utf-8")).hexdigest()


def _short(value: Any, limit: int) -> str | None:
    """Display text from another issuer's document: trimmed, cut, without what UTF-8 or XML cannot carry.

    JSON may spell an unpaired surrogate ("\\ud800"); kept, it would break every page and export showing it.
    """
    if not isinstance(value, str):
        return None
    return fields.without_forbidden_characters(value).strip()[:limit] or None


def _image_url(value: Any) -> str | None:
    """Only an http(s) image address is kept (a data: URI could be megabytes)."""
    if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= MAX_URL_CHARS:
        return value
    return None


# --- import -----------------------------------------------------------------------------------------


def import_badge(
    account: AccountItem,
    *,
    url: str | None = None,
    text: str | None = None,
    image: bytes | None = None,
    fetch=None,
) -> Imported:
    """Verify and keep a badge from elsewhere; Invalid (422), NotYours (403) or TooLarge (413) otherwise."""
    field, value = _given(url, text, image)
    addresses = _ordered_addresses(account)
    if not addresses:
        raise _invalid(field, "Verify one of your email addresses before importing badges.")
    web = _Web(fetch or _fetcher())
    report, matched = verify_for(value, field, addresses, web)
    if matched is None:
        failed = _failed(report)
        if [c["id"] for c in failed] == ["recipient-matches"]:
            detail = "This badge was not issued to any of your verified email addresses."
            raise _invalid(field, detail, NotYours)
        raise _invalid(field, report["sentence"])
    document, badge_id = _resolve(value, field, web)
    badge_id = badge_id or "sha256:" + hashlib.sha256(document.encode() if document else b"").hexdigest()
    digest = digest_of(badge_id)
    existing = _get(account, digest)
    if existing is not None:
        return Imported(existing, False)
    return _store(account, digest, badge_id, field, value, document, matched, report)


def _store(account, digest, badge_id, field, value, document, matched, report) -> Imported:
    badge = report.get("badge") or {}
    item = ImportedBadgeItem(
        f"ACCOUNT#{account.id}",
        f"IMPORT#{digest}",
        digest=digest,
        badge_id=badge_id[:MAX_URL_CHARS],
        matched_email=matched,
        version=report.get("version"),
        image=_image_url(badge.get("image")),
        issued_on=_short(badge.get("issued_on"), 64),
        expires=_short(badge.get("expires"), 64),
        imported_at=ids.now(),
        **{name: _short(badge.get(name), limit) for name, limit in _FIELD_LIMITS.items()},
    )
    written: list[str] = []
    prefix = f"imports/{account.id}/{digest}"
    if isinstance(value, bytes):
        kind = "png" if value.startswith(b"\x89PNG") else "svg"
        item.source_kind, item.source_key = kind, f"{prefix}.{kind}"
        images.put(item.source_key, value, IMAGE_TYPES[kind])
        written.append(item.source_key)
    elif field == "url":
        item.source_kind, item.source = "url", value
    else:
        item.source_kind = "jws" if is_jws(value) else "json"
        item.source, item.source_key = _inline_or_s3(value, f"{prefix}.source.txt", written)
    if document is not None and not (item.source_kind in ("json", "jws") and document == value.strip()):
        item.document, item.document_key = _inline_or_s3(document, f"{prefix}.document.txt", written)
    try:
        item.save(condition=ImportedBadgeItem.sk.does_not_exist())
    except PutError as error:
        images.delete(written)
        if getattr(error, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
        # imported meanwhile by another request: keep that one
        existing = _get(account, digest)
        if existing is None:
            raise
        return Imported(existing, False)
    return Imported(item, True)


def _inline_or_s3(text: str, key: str, written: list[str]) -> tuple[str | None, str | None]:
    if len(text) <= MAX_INLINE_CHARS:
        return text, None
    images.put(key, text.encode("utf-8"), "text/plain; charset=utf-8")
    written.append(key)
    return None, key


# --- reading ----------------------------------------------------------------------------------------


def _get(account: AccountItem, digest: str) -> ImportedBadgeItem | None:
    try:
        return ImportedBadgeItem.get(f"ACCOUNT#{account.id}", f"IMPORT#{digest}")
    except ImportedBadgeItem.DoesNotExist:
        return None


def get(account: AccountItem, digest: str) -> ImportedBadgeItem:
    """The account's imported badge; NotFound otherwise (also for another account's)."""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise NotFound("No such imported badge.")
    item = _get(account, digest)
    if item is None:
        raise NotFound("No such imported badge in your backpack.")
    return item


def list_imported(account: AccountItem) -> list[ImportedBadgeItem]:
    """The account's imported badges, newest first (one Query, at most 500; display data, not re-verified)."""
    found: list[ImportedBadgeItem] = []
    cursor = None
    while len(found) < MAX_LISTED:
        result = ImportedBadgeItem.query(
            f"ACCOUNT#{account.id}",
            ImportedBadgeItem.sk.startswith("IMPORT#"),
            limit=MAX_LISTED - len(found),
            page_size=100,
            last_evaluated_key=cursor,
        )
        found.extend(result)
        cursor = result.last_evaluated_key
        if not cursor:
            break
    found.sort(key=lambda i: i.imported_at, reverse=True)
    return found


def source_of(item: ImportedBadgeItem) -> str | bytes:
    """The original input: the URL, the text, or the image bytes."""
    if item.source_key:
        data = images.get(item.source_key)
        if data is None:
            raise NotFound("The imported badge's file is missing.")
        return data if item.source_kind in IMAGE_TYPES else data.decode("utf-8")
    return item.source or ""


def document_of(item: ImportedBadgeItem) -> str | None:
    """The badge's JSON (or JWS) as read when it was imported."""
    if item.document_key:
        data = images.get(item.document_key)
        return data.decode("utf-8") if data is not None else None
    if item.document:
        return item.document
    return source_of(item) if item.source_kind in ("json", "jws") else None


def reverify(account: AccountItem, item: ImportedBadgeItem, *, fetch=None) -> dict:
    """The verifier's report now, from the original input, for the account's matching verified address.

    Tries the address it matched at import first; when it no longer matches (or is no longer verified),
    the others. A badge that has become invalid (revoked, expired) reports why.
    """
    value = source_of(item)
    field = {"url": "url", "png": "image", "svg": "image"}.get(item.source_kind, "text")
    addresses = _ordered_addresses(account, first=item.matched_email) or [item.matched_email]
    web = _Web(fetch or _fetcher())
    try:
        report, _matched = verify_for(value, field, addresses, web)
    except Invalid as error:
        return {
            "verdict": "invalid",
            "version": item.version,
            "sentence": "This badge is not valid: " + error.detail,
            "checks": [{"id": "parsed", "name": "parsed", "passed": False, "sentence": error.detail}],
            "badge": None,
        }
    return report


def delete(account: AccountItem, digest: str) -> None:
    """Remove an imported badge and its files."""
    item = get(account, digest)
    item.delete()
    images.delete([k for k in (item.source_key, item.document_key) if k])
