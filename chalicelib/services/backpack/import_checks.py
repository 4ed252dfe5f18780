"""What an import is checked against: one input within its limits, the verifier's verdict for one of the
account's verified addresses, and what the badge is (its JSON or JWS and its id) once it passed.

Every address's run after the first reads the documents the first one fetched (`Web`), so the web is
asked once per URL whatever the number of addresses.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from chalicelib.errors import Invalid, TooLarge
from chalicelib.services.shared import fields

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_TEXT_CHARS = 2 * 1024 * 1024
MAX_URL_CHARS = 2000
_MAX_DEPTH = 3
IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


class NotYours(Invalid):
    """A valid badge that was not issued to any verified address of the account."""

    status = 403
    title = "Not your badge"


# --- input ----------------------------------------------------------------------------------------


def invalid(field: str, detail: str, cls: type[Invalid] = Invalid) -> Invalid:
    return cls(detail, errors=[{"field": field, "detail": detail}])


def given(url: str | None, text: str | None, image: bytes | None) -> tuple[str, str | bytes]:
    """(field, value) of exactly one input, within the size limits; 422/413 otherwise."""
    given = [(f, v) for f, v in (("url", url), ("text", text), ("image", image)) if v]
    if len(given) != 1:
        detail = "Give one badge to import: an address, a baked image, or pasted JSON or JWS."
        raise Invalid(detail, errors=[{"field": f, "detail": detail} for f, _ in given or [("url", 1)]])
    field, value = given[0]
    if isinstance(value, bytes) and len(value) > MAX_UPLOAD_BYTES:
        raise invalid(field, "The image is larger than 2 MB.", TooLarge)
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        raise invalid(field, "The text is longer than 2 MB.", TooLarge)
    if field == "url":
        value = value.strip()
        if len(value) > MAX_URL_CHARS or not value.startswith(("https://", "http://")):
            raise invalid("url", "Give an address starting with https:// (or http://).")
    svg = field == "image" and value.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"
    if field == "image" and not (value.startswith(b"\x89PNG") or svg):
        raise invalid("image", "This file is not a PNG or SVG image.")
    return field, value


class Web:
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


def _now() -> datetime:
    return datetime.now(UTC)


# --- verifying ------------------------------------------------------------------------------------


def _run(value: str | bytes, field: str, web: Web, email: str) -> dict:
    from chalicelib.openbadges import verify as verifier

    try:
        return verifier.verify(value, fetch=web, now=_now, expected_email=email, field=field)
    except verifier.InputError as error:
        raise invalid(error.field or field, error.sentence) from None


def failed_checks(report: dict) -> list[dict]:
    return [c for c in report["checks"] if c["passed"] is False]


def verify_for(value: str | bytes, field: str, addresses: list[str], web: Web) -> tuple[dict, str | None]:
    """(report, the address it matched) trying each address; the address is None when none matched.

    Stops at the first run whose failures are not only the recipient check: no address can fix those.
    """
    report: dict = {}
    for email in addresses:
        report = _run(value, field, web, email)
        failed = failed_checks(report)
        if not failed:
            return report, email
        if any(c["id"] != "recipient-matches" for c in failed):
            return report, None
    return report, None


# --- what the badge is ----------------------------------------------------------------------------


def resolve(value: str | bytes, field: str, web: Web, depth: int = 0) -> tuple[str | None, str | None]:
    """(the badge's JSON or JWS text, its id) read from the input and the documents fetched for it."""
    from chalicelib.openbadges import verify as verifier
    from chalicelib.openbadges.baking import PNG_SIGNATURE

    if depth > _MAX_DEPTH:
        return None, None
    if isinstance(value, bytes):
        return resolve(verifier._unbaked(value, field), field, web, depth + 1)
    text = value.strip().lstrip("\ufeff")
    if text.startswith(("http://", "https://")) and not any(c.isspace() for c in text):
        answer = web.answers.get(text)
        if not isinstance(answer, tuple):
            return None, text
        _status, kind, body = answer
        if kind.split(";")[0].strip().lower() in IMAGE_TYPES.values() or body.startswith(PNG_SIGNATURE):
            return resolve(body, field, web, depth + 1)
        document, badge_id = resolve(body.decode("utf-8", "replace"), field, web, depth + 1)
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


def short(value: Any, limit: int) -> str | None:
    """Display text from another issuer's document: trimmed, cut, without what UTF-8 or XML cannot carry.

    JSON may spell an unpaired surrogate ("\\ud800"); kept, it would break every page and export showing it.
    """
    if not isinstance(value, str):
        return None
    return fields.without_forbidden_characters(value).strip()[:limit] or None


def image_url(value: Any) -> str | None:
    """Only an http(s) image address is kept (a data: URI could be megabytes)."""
    if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= MAX_URL_CHARS:
        return value
    return None
