"""Verify a badge for anyone: what a person gave (URL, JSON, JWS or baked image) → the verifier's report."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from chalicelib.errors import Invalid, TooLarge
from chalicelib.services.shared import ids

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_TEXT_CHARS = 2 * 1024 * 1024
MAX_URL_CHARS = 2000
INPUTS = ("url", "json", "jws", "image")
_DATA_URI = re.compile(r"data:(image/(?:png|svg\+xml))(?:;[\w.+-]+=[\w.+-]+)*;base64,", re.IGNORECASE)


def _invalid(field: str, detail: str) -> Invalid:
    return Invalid(detail, errors=[{"field": field, "detail": detail}])


def verify(
    *,
    url: str | None = None,
    text: str | None = None,
    image: bytes | None = None,
    expected_email: str | None = None,
    text_field: str = "text",
    image_field: str = "image",
) -> dict:
    """The verification report for exactly one of a URL, JSON/JWS text or baked image bytes."""
    from chalicelib.openbadges import verify as verifier
    from chalicelib.services.verification.fetching import fetcher

    given = {name: v for name, v in (("url", url), (text_field, text), (image_field, image)) if v}
    if len(given) != 1:
        detail = "Give one badge to verify: an address, an image, or pasted JSON or JWS."
        raise Invalid(detail, errors=[{"field": f, "detail": detail} for f in (given or {"url": 1})])
    [(field, value)] = given.items()
    _check_size(field, value)
    email = _expected_email(expected_email)
    try:
        return verifier.verify(value, fetch=fetcher(), now=ids.now, expected_email=email, field=field)
    except verifier.InputError as error:
        raise _invalid(error.field or field, error.sentence) from None


def verify_request(body: Any) -> dict:
    """The report for a POST /api/v1/verify body: one of url, json, jws, image (data URI); expected_email."""
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object.")
    unknown = sorted(set(body) - {*INPUTS, "expected_email"})
    if unknown:
        raise Invalid(
            "Unknown fields: " + ", ".join(unknown) + ".",
            errors=[{"field": f, "detail": "not a field of this request"} for f in unknown],
        )
    for name in ("url", "jws", "expected_email"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise _invalid(name, f"{name} must be a string.")
    document = body.get("json")
    if isinstance(document, dict | list):
        document = json.dumps(document)
    elif document is not None and not isinstance(document, str):
        raise _invalid("json", "json must be JSON text or an object.")
    text_field, text = ("jws", body.get("jws")) if body.get("jws") else ("json", document)
    image = _data_uri(body["image"]) if body.get("image") else None
    return verify(
        url=body.get("url"),
        text=text,
        image=image,
        expected_email=body.get("expected_email"),
        text_field=text_field,
    )


def _data_uri(value: Any) -> bytes:
    """The bytes of a base64 PNG or SVG data URI, at most 2 MB."""
    match = _DATA_URI.match(value) if isinstance(value, str) else None
    if match is None:
        raise _invalid("image", "image must be a base64 data URI of a PNG or SVG (data:image/png;base64,…).")
    encoded = value[match.end() :]
    if len(encoded) > 4 * (MAX_UPLOAD_BYTES // 3 + 1):
        raise TooLarge("The image is larger than 2 MB.", errors=[{"field": "image", "detail": "over 2 MB"}])
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("image", "The image data is not valid base64.") from None


def _check_size(field: str, value: str | bytes) -> None:
    """413 for an upload over 2 MB; 422 for an address that is not one."""
    if isinstance(value, bytes) and len(value) > MAX_UPLOAD_BYTES:
        raise TooLarge("The image is larger than 2 MB.", errors=[{"field": field, "detail": "over 2 MB"}])
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        raise TooLarge("The text is longer than 2 MB.", errors=[{"field": field, "detail": "over 2 MB"}])
    if field == "url" and (
        len(value) > MAX_URL_CHARS or not value.strip().startswith(("http://", "https://"))
    ):
        raise _invalid("url", "Give an address starting with https:// (or http://).")


def _expected_email(value: str | None) -> str | None:
    """The expected email address in the one spelling awards are hashed from; 422 when it cannot be one."""
    from chalicelib.services.shared.fields import normalise_email

    email = (value or "").strip()
    if not email:
        return None
    if len(email) > 254 or email.count("@") != 1 or any(c.isspace() for c in email):
        raise _invalid("expected_email", "This is not an email address.")
    return normalise_email(email)
