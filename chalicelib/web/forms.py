"""Posted forms: the upload forms' reader (/verify, /backpack/import) and multipart/form-data bodies,
parsed with the standard library's email parser."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from chalicelib.errors import Invalid, Unsupported
from chalicelib.web.http import content_type, raw_body

JSON_FIELDS = {"alignment", "expires_after"}
MAX_FORM_BYTES = 3 * 1024 * 1024  # a 2 MB image plus the multipart framing and the other fields
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def read_upload(request) -> dict:
    """The posted fields of an upload form: multipart (files as bytes) or urlencoded (first values).

    The caller checks CSRF: each page answers a failed check in its own way."""
    kind = content_type(request)
    if kind not in FORM_TYPES:
        raise Unsupported("Send the form as multipart/form-data or application/x-www-form-urlencoded.")
    body = raw_body(request, MAX_FORM_BYTES)
    if kind == "multipart/form-data":
        return parse_multipart(body, request.headers.get("content-type", ""))
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise Invalid("The form could not be read.") from None
    return {name: values[0] for name, values in parsed.items()}


def parse_multipart(body: bytes, content_type_header: str) -> dict:
    """Form fields as strings (repeated ones as lists), files as bytes; JSON-valued fields decoded."""
    from email.parser import BytesParser  # lazy: the email package costs 2.5 ms of cold start
    from email.policy import HTTP

    if "boundary=" not in content_type_header:
        raise Invalid("multipart/form-data needs a boundary parameter in Content-Type.")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type_header.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise Invalid("The multipart body could not be read.")
    fields: dict = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        value = payload if part.get_filename() else payload.decode("utf-8", "replace")
        if name in fields:
            previous = fields[name]
            fields[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[name] = value
    return _decode(fields)


def _decode(fields: dict) -> dict:
    for name in JSON_FIELDS & set(fields):
        try:
            fields[name] = json.loads(fields[name])
        except (TypeError, ValueError):
            raise Invalid(
                f"{name} must be JSON text in a multipart form.",
                errors=[{"field": name, "detail": "must be JSON text"}],
            ) from None
    if isinstance(fields.get("tags"), str):
        fields["tags"] = [t for t in fields["tags"].split(",") if t.strip()]
    return fields
