"""multipart/form-data bodies, parsed with the standard library's email parser."""

from __future__ import annotations

import json

from chalicelib.errors import Invalid

JSON_FIELDS = {"alignment", "expires_after"}


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
