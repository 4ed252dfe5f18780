"""Verify an Open Badge from anyone: 2.0 hosted or signed, or a 3.0 credential, given any way a person has it.

Pure: the web is reached only through the `fetch(url) -> (status, content_type, body)` callable passed
in, and the time comes from the `now` clock. The answer is a report a person can read, check by check.
"""

from __future__ import annotations

from typing import Any

from . import verify_ob2, verify_ob3
from .baking import PNG_SIGNATURE, BakingError, unbake_png, unbake_svg
from .verify_base import (
    CHECKS,
    Clock,
    Documents,
    Failed,
    Fetch,
    FetchError,
    FetchRefused,
    InputError,
    Report,
    load_json,
)

__all__ = ["CHECKS", "Fetch", "FetchError", "FetchRefused", "InputError", "verify"]
_MAX_DEPTH = 3  # an image may hold a URL that serves an image…; this far and no further
_IMAGE_TYPES = ("image/png", "image/svg+xml")


def verify(
    value: str | bytes,
    *,
    fetch: Fetch,
    now: Clock,
    expected_email: str | None = None,
    field: str | None = None,
) -> dict:
    """The report on a badge given as a URL, JSON text, a compact JWS, or baked PNG/SVG bytes.

    Raises InputError (with the form field to blame) for input that is not a badge in any form.
    """
    report = Report(expected_email=(expected_email or "").strip() or None)
    docs = Documents(fetch)
    moment = now()
    try:
        if isinstance(value, bytes):
            field = field or "image"
            _verify_text(_unbaked(value, field), docs, report, moment, depth=1, field=field)
        else:
            _verify_text(value, docs, report, moment, depth=0, field=field)
    except Failed as failed:
        report.record(failed.check, False, failed.sentence)
    return report.to_dict()


def _verify_text(
    text: str, docs: Documents, report: Report, now: Any, *, depth: int, field: str | None = None
) -> None:
    """Verify text that is a URL, JSON or a compact JWS."""
    text = text.strip().lstrip("\ufeff")
    if text.startswith(("http://", "https://")) and not any(c.isspace() for c in text):
        _verify_url(text, docs, report, now, depth=depth, field=field or "url")
    elif verify_ob2.JWS.fullmatch(text):
        _verify_jws(text, docs, report, now)
    elif text.startswith("{"):
        try:
            document = load_json(text)
        except ValueError as error:
            raise Failed("parsed", f"This is not valid JSON: {error}.") from None
        _verify_document(document, docs, report, now, fetched_from=None, status=200)
    elif depth:
        raise InputError("What is baked into this image is not a badge: no address, JSON or JWS.", field)
    else:
        raise InputError(
            "Give a badge's address (https://…), its JSON, or a signed badge (JWS).", field or "text"
        )


def _verify_url(url: str, docs: Documents, report: Report, now: Any, *, depth: int, field: str) -> None:
    """Fetch a URL and verify what it serves: an assertion, a credential, a JWS or a baked image."""
    try:
        fetched = docs.get(url)
    except FetchRefused as error:
        raise InputError(error.sentence, field) from None
    except FetchError as error:
        raise Failed("parsed", f"{url} could not be fetched: {error.sentence}") from None
    if fetched.status not in (200, 410):
        raise Failed("parsed", f"{url} could not be fetched: it answered {fetched.status}.")
    kind = fetched.content_type.split(";")[0].strip().lower()
    if kind in _IMAGE_TYPES or fetched.body.startswith(PNG_SIGNATURE):
        if depth >= _MAX_DEPTH:
            raise Failed("parsed", "This badge points to another image, again and again.")
        _verify_text(_unbaked(fetched.body, field), docs, report, now, depth=depth + 1, field=field)
        return
    text = fetched.text().strip()
    if verify_ob2.JWS.fullmatch(text):
        _verify_jws(text, docs, report, now)
        return
    try:
        document = load_json(text)
    except ValueError as error:
        raise Failed("parsed", f"{url} does not serve a badge: it is not JSON ({error}).") from None
    _verify_document(document, docs, report, now, fetched_from=url, status=fetched.status)


def _verify_document(
    document: Any, docs: Documents, report: Report, now: Any, *, fetched_from: str | None, status: int
) -> None:
    """Verify a JSON document: an OB 3.0 credential or an OB 2.0 assertion."""
    if verify_ob3.is_credential(document):
        verify_ob3.verify_credential(document, docs=docs, report=report, now=now)
    elif verify_ob2.is_assertion(document) or (status == 410 and isinstance(document, dict)):
        kind = verify_ob2.verification_type(document)
        if kind == "hosted":
            verify_ob2.verify_hosted(
                document, fetched_from=fetched_from, status=status, docs=docs, report=report, now=now
            )
        elif kind == "signed":
            report.version = "2.0-signed"
            report.record("parsed", True, "Read an Open Badges 2.0 assertion that should be signed.")
            raise Failed(
                "signature-valid",
                "This is a signed badge's content without its signature: verify the JWS or the baked image.",
            )
        else:
            raise Failed("parsed", f"The assertion's verification type {kind!r} is not hosted or signed.")
    else:
        raise Failed(
            "parsed", "This is neither an Open Badges 2.0 assertion nor an Open Badges 3.0 credential."
        )


def _verify_jws(token: str, docs: Documents, report: Report, now: Any) -> None:
    """Verify a compact JWS: an OB 2.0 signed assertion (or a 3.0 VC-JWT, which is read but not checked)."""
    try:
        _header, payload = verify_ob2.jws_parts(token)
    except ValueError as error:
        raise Failed("parsed", f"This JWS cannot be read: {error}.") from None
    if isinstance(payload, dict) and ("vc" in payload or verify_ob3.is_credential(payload)):
        verify_ob3.verify_jwt_credential(report)
    elif verify_ob2.is_assertion(payload):
        verify_ob2.verify_signed(token, payload, docs=docs, report=report, now=now)
    else:
        raise Failed("parsed", "This JWS does not carry an Open Badges assertion.")


def _unbaked(data: bytes, field: str) -> str:
    """The assertion, credential, JWS or URL baked into a PNG or SVG; InputError otherwise."""
    try:
        if data.startswith(PNG_SIGNATURE):
            text = unbake_png(data, "openbadges") or unbake_png(data, "openbadgecredential")
            kind = "PNG"
        elif data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            text, kind = unbake_svg(data.decode("utf-8").lstrip("\ufeff")), "SVG"
        else:
            raise InputError("This file is not a PNG or SVG image.", field)
    except UnicodeDecodeError:
        raise InputError("This SVG is not UTF-8 text.", field) from None
    except BakingError as error:
        raise InputError(f"This image cannot be read: {error}.", field) from None
    if not text or not text.strip():
        raise InputError(f"This {kind} has no Open Badge baked into it.", field)
    return text
