"""The OpenAPI document's building blocks: media types, shared parameters and problem responses, and
small builders of operations, bodies, answers and links (web/openapi.py assembles the paths from them)."""

from __future__ import annotations

from chalicelib.web.openapi_fields import ref
from chalicelib.web.openapi_schemas import SCHEMAS

JSON = "application/json"
PROBLEM = "application/problem+json"
ERRORS = {
    "400": ("BadJson", "Malformed JSON: the body could not be parsed."),
    "401": ("Unauthorized", "Missing, unknown or revoked API key."),
    "404": ("NotFound", "No such object for this issuer (another issuer's ids also answer 404)."),
    "409": ("Conflict", "The request conflicts with the object's state; see detail."),
    "413": ("TooLarge", "The body is too large (JSON 1 MB; badge class 2 MB; bulk 10 MB)."),
    "415": ("Unsupported", "The Content-Type is not one this operation accepts."),
    "422": (
        "Invalid",
        "Invalid request; `errors` lists the failing fields. Every operation refuses query parameters "
        "it does not list, and one given twice.",
    ),
    "429": ("TooMany", "Too many requests from this client; try again in a few minutes."),
    "503": (
        "Unavailable",
        "AWS is busy or briefly unavailable (any operation); nothing was half-written. Retry after "
        "Retry-After seconds; an award retried with the same Idempotency-Key is made once.",
    ),
}
PARAMETERS = {
    "Limit": {
        "name": "limit",
        "in": "query",
        "description": "Page size.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
    },
    "Cursor": {
        "name": "cursor",
        "in": "query",
        "description": "The next_cursor of the previous page.",
        "schema": {"type": "string"},
    },
    "BadgeClassFilter": {
        "name": "badge_class",
        "in": "query",
        "description": "Only awards of this badge class.",
        "schema": {"type": "string"},
    },
    "RecipientEmail": {
        "name": "recipient_email",
        "in": "query",
        "description": "Only awards to this address (trimmed and lower-cased).",
        "schema": {"type": "string"},
    },
    "State": {
        "name": "state",
        "in": "query",
        "description": "Only awards in this state. Filters apply after paging: a page may be short, "
        "or empty with a next_cursor.",
        "schema": {"type": "string", "enum": SCHEMAS["Award"]["properties"]["state"]["enum"]},
    },
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "description": "Up to 200 characters, kept 24 hours, scoped to this badge class. A retry with the "
        "same key and body answers 200 with the first award; the same key with a different body answers 409.",
        "schema": {"type": "string", "maxLength": 200},
    },
    "BulkIdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "description": "Up to 200 characters, kept 24 hours, scoped to this badge class's bulk awards. "
        "A retry with the same key and body answers 202 with the first job (no row is awarded twice); "
        "the same key with a different body answers 409.",
        "schema": {"type": "string", "maxLength": 200},
    },
}
BULK_DESCRIPTION = (
    "Award a badge class to up to {rows:,} recipients. Send `application/json` "
    '(`{{"assertions": [AwardInput, ...]}}`) or `text/csv` with a header row. CSV columns '
    "(only `recipient_email` is required; order is free; unknown columns are refused): {columns}. "
    "`evidence_url`/`evidence_narrative` make one evidence item; `notify` and `allow_duplicate` take "
    "true/false, yes/no or 1/0.\n\nEvery row is validated first. Refused rows are listed in `errors` "
    "with their row number (counting from 1, after the header); the valid rows are awarded "
    "asynchronously. 422 when no row is valid (nothing is awarded). Follow `status_url` for progress."
)


def param(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def body(schema: str, *, required: bool = True, **more_types: dict) -> dict:
    return {"required": required, "content": {JSON: {"schema": ref(schema)}, **more_types}}


def ok(schema: str, description: str = "OK.", *, location: bool = False, links: dict | None = None) -> dict:
    response: dict = {"description": description, "content": {JSON: {"schema": ref(schema)}}}
    if location:
        response["headers"] = {
            "Location": {"description": "The new object's API path.", "schema": {"type": "string"}}
        }
    if links:
        response["links"] = links
    return response


def links_to(parameter: str, *operation_ids: str) -> dict:
    """OpenAPI links: the answered object's `id` is the `parameter` of these operations."""
    return {op: {"operationId": op, "parameters": {parameter: "$response.body#/id"}} for op in operation_ids}


BADGE_LINKS = links_to(
    "badge_id", "get_badge_class", "update_badge_class", "list_badge_assertions", "award", "award_in_bulk"
)
AWARD_LINKS = links_to("assertion_id", "get_assertion", "revoke", "resend", "recertify", "erase")


def problem(status: str, description: str) -> dict:
    response: dict = {"description": description, "content": {PROBLEM: {"schema": ref("Problem")}}}
    if status == "503":
        seconds = {"type": "string", "pattern": "^[0-9]+$"}
        response["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": seconds}}
    return response


def operation(op_id: str, summary: str, tag: str, responses: dict, errors: str, **extra) -> dict:
    """One operation; `errors` names the problem statuses it can answer, e.g. "401 404" (422, 503 always)."""
    for status in sorted({*errors.split(), "422", "503"}):
        responses[status] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    return {"operationId": op_id, "summary": summary, "tags": [tag], "responses": responses, **extra}


BODY_ERRORS = "400 401 413 415 422"
BADGE_BODY_TYPES = {
    "multipart/form-data": {
        "schema": ref("BadgeClassForm"),
        "encoding": {"image": {"contentType": "image/png, image/svg+xml"}},
    }
}
