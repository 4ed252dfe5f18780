"""The vocabulary of the issuer API's schemas: small JSON Schema builders (ref, obj, text, ...), shared
field types (URL, TIME, DATA_URI, ...) and the property sets several schemas share."""

from __future__ import annotations

from chalicelib.services.issuing import expiry

STATES = ["pending", "accepted", "rejected", "revoked", "expired"]
NOTICES = ["none", "queued", "sending", "sent", "failed"]


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def null_or(schema: dict) -> dict:
    """The schema, or JSON null."""
    if "type" in schema and "$ref" not in schema:
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def text(max_len: int | None = None, description: str | None = None, **extra) -> dict:
    schema: dict = {"type": "string", **extra}
    if max_len:
        schema["maxLength"] = max_len
    if description:
        schema["description"] = description
    return schema


def obj(properties: dict, *, required=(), closed: bool = True, description: str | None = None) -> dict:
    """An object schema; `closed` refuses keys not listed (responses always send every key)."""
    schema: dict = {"type": "object", "properties": properties}
    if required == "all":
        required = list(properties)
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def page_of(name: str) -> dict:
    return {"allOf": [ref("Page"), {"properties": {"items": {"type": "array", "items": ref(name)}}}]}


URL = text(2000, format="uri")
TIME = text(format="date-time", description="RFC 3339 date-time in UTC.")
TIME_IN = text(
    40, description="ISO 8601 date or date-time (e.g. 2026-05-01 or 2026-05-01T12:00:00Z); UTC if no offset."
)
DATA_URI = text(
    description="A PNG or SVG image as a data URI (data:image/png;base64,...), at most 1 MB decoded. "
    "It must really be that image; SVGs are stripped of scripts, event handlers and external references."
)

FIELD_ERROR = obj(
    {
        "field": text(description='The failing field, e.g. "recipient_email" or "alignment[0].targetUrl".'),
        "detail": text(),
        "row": {
            "type": "integer",
            "minimum": 1,
            "description": "Bulk awards only: the row, counting from 1.",
        },
    },
    required=["field", "detail"],
)

ALIGNMENT = {
    "targetName": text(300),
    "targetUrl": URL,
    "targetDescription": text(2000),
    "targetFramework": text(300),
    "targetCode": text(100),
}
EXPIRY_RULE = obj(
    {
        "amount": {"type": "integer", "minimum": 1, "maximum": 1200},
        "unit": {"type": "string", "enum": list(expiry.UNITS)},
    },
    required="all",
    description='A default lifetime counted from issued_on, e.g. {"amount": 2, "unit": "years"}.',
)

BADGE_INPUT = {
    "name": text(200),
    "description": text(5000),
    "image": DATA_URI,
    "criteria_narrative": text(20000, "Markdown."),
    "criteria_url": URL,
    "tags": {
        "type": "array",
        "maxItems": 50,
        "items": text(100),
        "description": "Skills; duplicates dropped.",
    },
    "alignment": {"type": "array", "maxItems": 20, "items": ref("Alignment")},
    "expires_after": null_or(ref("ExpiryRule")),
}
BADGE_FORM = {
    **BADGE_INPUT,
    "image": {
        "type": "string",
        "contentMediaType": "image/png",
        "description": "PNG or SVG file, at most 1 MB.",
    },
    "tags": text(description="Comma-separated, or the field repeated."),
    "alignment": text(description="JSON text: a list of Alignment objects."),
    "expires_after": text(description='JSON text, e.g. {"amount": 2, "unit": "years"}.'),
}
CRITERIA = [{"required": ["criteria_narrative"]}, {"required": ["criteria_url"]}]

AWARD_INPUT = {
    "recipient_email": text(254, "Trimmed and lower-cased before use.", format="email"),
    "recipient_name": text(200),
    "issued_on": {**TIME_IN, "description": TIME_IN["description"] + " Default now; never in the future."},
    "expires": {**TIME_IN, "description": "After issued_on. Default: the badge class's expires_after rule."},
    "narrative": text(10000),
    "evidence": {"type": "array", "maxItems": 10, "items": ref("EvidenceInput")},
    "notify": {"type": "boolean", "default": True, "description": "Email the award notice."},
    "allow_duplicate": {
        "type": "boolean",
        "default": False,
        "description": "Award even if this address already has an active award of this class.",
    },
}

JOB = {
    "id": text(),
    "badge_class_id": text(),
    "status": {"type": "string", "enum": ["running", "finished", "failed"]},
    "error": null_or(text(description="Why the job could not be queued (status failed).")),
    "total": {"type": "integer", "description": "Rows received."},
    "done": {"type": "integer", "description": "Rows awarded."},
    "failed": {"type": "integer", "description": "Rows refused (validation or duplicates)."},
    "created_at": TIME,
}
API_KEY = {
    "id": text(),
    "prefix": text(description="The key's first characters, to recognise it."),
    "label": null_or(text()),
    "created_at": TIME,
    "revoked_at": null_or(TIME),
}
