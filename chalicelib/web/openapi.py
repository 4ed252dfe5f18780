"""The issuer API's OpenAPI 3.1 document, served at GET /api/v1/openapi.json.

Plain data, built once. tests/unit/test_openapi.py checks it is valid, that its operations are
exactly the routes registered under /api/v1, and that real responses match the schemas below.
"""

from __future__ import annotations

from functools import lru_cache

from chalicelib.config import get_settings
from chalicelib.services.issuing import bulk
from chalicelib.web.openapi_schemas import SCHEMAS, ref

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


def _param(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _body(schema: str, *, required: bool = True, **more_types: dict) -> dict:
    return {"required": required, "content": {JSON: {"schema": ref(schema)}, **more_types}}


def _ok(schema: str, description: str = "OK.", *, location: bool = False, links: dict | None = None) -> dict:
    response: dict = {"description": description, "content": {JSON: {"schema": ref(schema)}}}
    if location:
        response["headers"] = {
            "Location": {"description": "The new object's API path.", "schema": {"type": "string"}}
        }
    if links:
        response["links"] = links
    return response


def _links(parameter: str, *operation_ids: str) -> dict:
    """OpenAPI links: the answered object's `id` is the `parameter` of these operations."""
    return {op: {"operationId": op, "parameters": {parameter: "$response.body#/id"}} for op in operation_ids}


BADGE_LINKS = _links(
    "badge_id", "get_badge_class", "update_badge_class", "list_badge_assertions", "award", "award_in_bulk"
)
AWARD_LINKS = _links("assertion_id", "get_assertion", "revoke", "resend", "recertify", "erase")


def _problem(status: str, description: str) -> dict:
    response: dict = {"description": description, "content": {PROBLEM: {"schema": ref("Problem")}}}
    if status == "503":
        seconds = {"type": "string", "pattern": "^[0-9]+$"}
        response["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": seconds}}
    return response


def _op(op_id: str, summary: str, tag: str, responses: dict, errors: str, **extra) -> dict:
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


def _paths() -> dict:
    csv_columns = ", ".join(f"`{c}`" for c in bulk.CSV_COLUMNS)
    return {
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": {"description": "OpenAPI 3.1.", "content": {JSON: {"schema": {"type": "object"}}}},
                    "422": {"$ref": "#/components/responses/Invalid"},
                },
            }
        },
        "/api/v1/issuer": {
            "get": _op("get_issuer", "Your issuer profile", "issuer", {"200": _ok("Issuer")}, "401"),
            "patch": _op(
                "update_issuer",
                "Update your issuer profile; `signing: true` opts in to signed assertions",
                "issuer",
                {"200": _ok("Issuer")},
                BODY_ERRORS,
                requestBody=_body("IssuerUpdate"),
            ),
        },
        "/api/v1/issuer/rotate-credential-key": {
            "post": _op(
                "rotate_credential_key",
                "Make a new current Ed25519 key for Open Badges 3.0 credentials",
                "issuer",
                {"200": _ok("CredentialKey")},
                "401 409",
                description="Credentials are signed when fetched, so every one served from now on uses the "
                "new key. Old keys stay in the issuer's controller document and at their own URLs: "
                "credentials signed with them still verify. 409 only if concurrent rotations keep "
                "winning the race.",
            ),
        },
        "/api/v1/keys": {
            "get": _op("list_keys", "Your API keys", "issuer", {"200": _ok("ApiKeyList")}, "401"),
            "post": _op(
                "create_key",
                "Create an API key (the key is shown once)",
                "issuer",
                {"201": _ok("ApiKeyCreated", "Created.", links=_links("key_id", "revoke_key"))},
                BODY_ERRORS + " 409",
                description="409 once the issuer has made 1,000 keys (revoked ones included).",
                requestBody=_body("ApiKeyInput", required=False),
            ),
        },
        "/api/v1/keys/{key_id}/revoke": {
            "parameters": [_path_param("key_id")],
            "post": _op("revoke_key", "Revoke an API key", "issuer", {"200": _ok("ApiKey")}, "401 404"),
        },
        "/api/v1/badgeclasses": {
            "get": _op(
                "list_badge_classes",
                "Your badge classes, newest first",
                "badge classes",
                {"200": _ok("BadgeClassPage")},
                "401 422",
                parameters=[_param("Limit"), _param("Cursor")],
            ),
            "post": _op(
                "create_badge_class",
                "Create a badge class",
                "badge classes",
                {"201": _ok("BadgeClass", "Created.", location=True, links=BADGE_LINKS)},
                BODY_ERRORS,
                requestBody=_body("BadgeClassInput", **BADGE_BODY_TYPES),
            ),
        },
        "/api/v1/badgeclasses/{badge_id}": {
            "parameters": [_path_param("badge_id")],
            "get": _op(
                "get_badge_class", "One badge class", "badge classes", {"200": _ok("BadgeClass")}, "401 404"
            ),
            "patch": _op(
                "update_badge_class",
                "Change a badge class (only the fields sent)",
                "badge classes",
                {"200": _ok("BadgeClass")},
                "400 401 404 413 415 422",
                requestBody=_body("BadgeClassUpdate", **BADGE_BODY_TYPES),
            ),
        },
        "/api/v1/badgeclasses/{badge_id}/assertions": {
            "parameters": [_path_param("badge_id")],
            "get": _op(
                "list_badge_assertions",
                "Awards of this badge class, newest first",
                "awards",
                {"200": _ok("AwardPage")},
                "401 404 422",
                parameters=[_param(p) for p in ("RecipientEmail", "State", "Limit", "Cursor")],
            ),
            "post": _op(
                "award",
                "Award the badge class to one recipient",
                "awards",
                {
                    "201": _ok("Award", "Awarded.", location=True, links=AWARD_LINKS),
                    "200": _ok(
                        "Award", "A retry with the same Idempotency-Key: the first award.", links=AWARD_LINKS
                    ),
                },
                "400 401 404 409 413 415 422",
                description="409 when the address already has an active award of this class (the "
                "problem's `existing_id` names it) unless `allow_duplicate` is true, or when the "
                "Idempotency-Key was used for a different body.",
                parameters=[_param("IdempotencyKey")],
                requestBody=_body("AwardInput"),
            ),
        },
        "/api/v1/badgeclasses/{badge_id}/assertions/bulk": {
            "parameters": [_path_param("badge_id")],
            "post": _op(
                "award_in_bulk",
                "Award the badge class to many recipients (JSON list or CSV)",
                "awards",
                {
                    "202": _ok(
                        "BulkAccepted",
                        "Accepted; valid rows are being awarded.",
                        location=True,
                        links=_links("job_id", "get_job"),
                    )
                },
                "400 401 404 409 413 415 422 503",
                description=BULK_DESCRIPTION.format(rows=bulk.MAX_ROWS, columns=csv_columns),
                parameters=[_param("BulkIdempotencyKey")],
                requestBody=_body(
                    "BulkInput",
                    **{"text/csv": {"schema": {"type": "string", "description": f"Header: {csv_columns}."}}},
                ),
            ),
        },
        "/api/v1/assertions": {
            "get": _op(
                "list_assertions",
                "Your awards, newest first",
                "awards",
                {"200": _ok("AwardPage")},
                "401 422",
                parameters=[
                    _param(p) for p in ("BadgeClassFilter", "RecipientEmail", "State", "Limit", "Cursor")
                ],
            ),
        },
        "/api/v1/assertions/revoke": {
            "post": _op(
                "revoke_many",
                "Revoke several awards with one reason",
                "awards",
                {"200": _ok("RevokeManyResult", "One result per id, in order; unknown ids get an error.")},
                BODY_ERRORS,
                requestBody=_body("RevokeManyInput"),
            ),
        },
        "/api/v1/assertions/{assertion_id}": {
            "parameters": [_path_param("assertion_id")],
            "get": _op("get_assertion", "One award", "awards", {"200": _ok("Award")}, "401 404"),
        },
        "/api/v1/assertions/{assertion_id}/revoke": {
            "parameters": [_path_param("assertion_id")],
            "post": _op(
                "revoke",
                "Revoke an award for good (revoking again changes nothing)",
                "awards",
                {"200": _ok("Award")},
                "400 401 404 413 415 422",
                requestBody=_body("RevokeInput"),
            ),
        },
        "/api/v1/assertions/{assertion_id}/resend": {
            "parameters": [_path_param("assertion_id")],
            "post": _op(
                "resend",
                "Send the award notice again (a rejected award becomes pending)",
                "awards",
                {"200": _ok("Award")},
                "401 404 409",
                description="409 when the award is revoked or a notice is already on its way.",
            ),
        },
        "/api/v1/assertions/{assertion_id}/recertify": {
            "parameters": [_path_param("assertion_id")],
            "post": _op(
                "recertify",
                "Re-certify: a new expiry, images re-baked",
                "awards",
                {"200": _ok("Award")},
                "400 401 404 409 413 415 422",
                description="409 when the award is revoked. The body may be empty.",
                requestBody=_body("RecertifyInput", required=False),
            ),
        },
        "/api/v1/assertions/{assertion_id}/erase": {
            "parameters": [_path_param("assertion_id")],
            "post": _op(
                "erase",
                "Erase the recipient's personal data (the hosted URL then answers 404)",
                "awards",
                {"204": {"description": "Erased."}},
                "401 404",
            ),
        },
        "/api/v1/verify": {
            "post": _op(
                "verify",
                "Verify any Open Badge (2.0 hosted or signed, 3.0 eddsa-rdfc-2022); no key needed",
                "verify",
                {"200": _ok("VerifyReport", "The report: a verdict and each check with a sentence.")},
                "400 413 415 422 429",
                security=[],
                description="The same verifier as the /verify page. A badge that is not valid is still "
                "a 200 report (verdict invalid); 422 is for input that is not a badge at all, or an "
                "address Laurel will not fetch (private networks).",
                requestBody=_body("VerifyInput"),
            ),
        },
        "/api/v1/jobs/{job_id}": {
            "parameters": [_path_param("job_id")],
            "get": _op(
                "get_job",
                "A bulk job: progress and per-row results",
                "awards",
                {"200": _ok("JobReport")},
                "401 404 422",
                parameters=[_param("Limit"), _param("Cursor")],
            ),
        },
    }


@lru_cache(maxsize=1)
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Laurel issuer API",
            "version": "1",
            "description": "Issue Open Badges 2.0: badge classes, awards (one or in bulk), revocation. "
            "Authenticate with `Authorization: Bearer <API key>`; each issuer sees only its own data. "
            "Errors are `application/problem+json`.",
        },
        "servers": [{"url": get_settings().public_base_url}],
        "security": [{"bearer": []}],
        "tags": [{"name": n} for n in ("issuer", "badge classes", "awards", "verify", "meta")],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "lrl_… API key"}
            },
            "parameters": PARAMETERS,
            "responses": {name: _problem(status, text) for status, (name, text) in ERRORS.items()},
            "schemas": SCHEMAS,
        },
    }
