"""The issuer API's OpenAPI 3.1 document, served at GET /api/v1/openapi.json.

Plain data, built once. tests/unit/test_openapi.py checks it is valid, that its operations are
exactly the routes registered under /api/v1, and that real responses match the schemas below.
"""

from __future__ import annotations

from functools import lru_cache

from chalicelib.services.issuing import bulk
from chalicelib.services.shared import urls
from chalicelib.web.openapi_parts import (
    AWARD_LINKS,
    BADGE_BODY_TYPES,
    BADGE_LINKS,
    BODY_ERRORS,
    BULK_DESCRIPTION,
    ERRORS,
    JSON,
    PARAMETERS,
    body,
    links_to,
    ok,
    operation,
    param,
    path_param,
    problem,
)
from chalicelib.web.openapi_schemas import SCHEMAS


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
            "get": operation("get_issuer", "Your issuer profile", "issuer", {"200": ok("Issuer")}, "401"),
            "patch": operation(
                "update_issuer",
                "Update your issuer profile; `signing: true` opts in to signed assertions",
                "issuer",
                {"200": ok("Issuer")},
                BODY_ERRORS,
                requestBody=body("IssuerUpdate"),
            ),
        },
        "/api/v1/issuer/rotate-credential-key": {
            "post": operation(
                "rotate_credential_key",
                "Make a new current Ed25519 key for Open Badges 3.0 credentials",
                "issuer",
                {"200": ok("CredentialKey")},
                "401 409",
                description="Credentials are signed when fetched, so every one served from now on uses the "
                "new key. Old keys stay in the issuer's controller document and at their own URLs: "
                "credentials signed with them still verify. 409 only if concurrent rotations keep "
                "winning the race.",
            ),
        },
        "/api/v1/keys": {
            "get": operation("list_keys", "Your API keys", "issuer", {"200": ok("ApiKeyList")}, "401"),
            "post": operation(
                "create_key",
                "Create an API key (the key is shown once)",
                "issuer",
                {"201": ok("ApiKeyCreated", "Created.", links=links_to("key_id", "revoke_key"))},
                BODY_ERRORS + " 409",
                description="409 once the issuer has made 1,000 keys (revoked ones included).",
                requestBody=body("ApiKeyInput", required=False),
            ),
        },
        "/api/v1/keys/{key_id}/revoke": {
            "parameters": [path_param("key_id")],
            "post": operation("revoke_key", "Revoke an API key", "issuer", {"200": ok("ApiKey")}, "401 404"),
        },
        "/api/v1/badgeclasses": {
            "get": operation(
                "list_badge_classes",
                "Your badge classes, newest first",
                "badge classes",
                {"200": ok("BadgeClassPage")},
                "401 422",
                parameters=[param("Limit"), param("Cursor")],
            ),
            "post": operation(
                "create_badge_class",
                "Create a badge class",
                "badge classes",
                {"201": ok("BadgeClass", "Created.", location=True, links=BADGE_LINKS)},
                BODY_ERRORS,
                requestBody=body("BadgeClassInput", **BADGE_BODY_TYPES),
            ),
        },
        "/api/v1/badgeclasses/{badge_id}": {
            "parameters": [path_param("badge_id")],
            "get": operation(
                "get_badge_class", "One badge class", "badge classes", {"200": ok("BadgeClass")}, "401 404"
            ),
            "patch": operation(
                "update_badge_class",
                "Change a badge class (only the fields sent)",
                "badge classes",
                {"200": ok("BadgeClass")},
                "400 401 404 413 415 422",
                requestBody=body("BadgeClassUpdate", **BADGE_BODY_TYPES),
            ),
        },
        "/api/v1/badgeclasses/{badge_id}/assertions": {
            "parameters": [path_param("badge_id")],
            "get": operation(
                "list_badge_assertions",
                "Awards of this badge class, newest first",
                "awards",
                {"200": ok("AwardPage")},
                "401 404 422",
                parameters=[param(p) for p in ("RecipientEmail", "State", "Limit", "Cursor")],
            ),
            "post": operation(
                "award",
                "Award the badge class to one recipient",
                "awards",
                {
                    "201": ok("Award", "Awarded.", location=True, links=AWARD_LINKS),
                    "200": ok(
                        "Award", "A retry with the same Idempotency-Key: the first award.", links=AWARD_LINKS
                    ),
                },
                "400 401 404 409 413 415 422",
                description="409 when the address already has an active award of this class (the "
                "problem's `existing_id` names it) unless `allow_duplicate` is true, or when the "
                "Idempotency-Key was used for a different body.",
                parameters=[param("IdempotencyKey")],
                requestBody=body("AwardInput"),
            ),
        },
        "/api/v1/badgeclasses/{badge_id}/assertions/bulk": {
            "parameters": [path_param("badge_id")],
            "post": operation(
                "award_in_bulk",
                "Award the badge class to many recipients (JSON list or CSV)",
                "awards",
                {
                    "202": ok(
                        "BulkAccepted",
                        "Accepted; valid rows are being awarded.",
                        location=True,
                        links=links_to("job_id", "get_job"),
                    )
                },
                "400 401 404 409 413 415 422 503",
                description=BULK_DESCRIPTION.format(rows=bulk.MAX_ROWS, columns=csv_columns),
                parameters=[param("BulkIdempotencyKey")],
                requestBody=body(
                    "BulkInput",
                    **{"text/csv": {"schema": {"type": "string", "description": f"Header: {csv_columns}."}}},
                ),
            ),
        },
        "/api/v1/assertions": {
            "get": operation(
                "list_assertions",
                "Your awards, newest first",
                "awards",
                {"200": ok("AwardPage")},
                "401 422",
                parameters=[
                    param(p) for p in ("BadgeClassFilter", "RecipientEmail", "State", "Limit", "Cursor")
                ],
            ),
        },
        "/api/v1/assertions/revoke": {
            "post": operation(
                "revoke_many",
                "Revoke several awards with one reason",
                "awards",
                {"200": ok("RevokeManyResult", "One result per id, in order; unknown ids get an error.")},
                BODY_ERRORS,
                requestBody=body("RevokeManyInput"),
            ),
        },
        "/api/v1/assertions/{assertion_id}": {
            "parameters": [path_param("assertion_id")],
            "get": operation("get_assertion", "One award", "awards", {"200": ok("Award")}, "401 404"),
        },
        "/api/v1/assertions/{assertion_id}/revoke": {
            "parameters": [path_param("assertion_id")],
            "post": operation(
                "revoke",
                "Revoke an award for good (revoking again changes nothing)",
                "awards",
                {"200": ok("Award")},
                "400 401 404 413 415 422",
                requestBody=body("RevokeInput"),
            ),
        },
        "/api/v1/assertions/{assertion_id}/resend": {
            "parameters": [path_param("assertion_id")],
            "post": operation(
                "resend",
                "Send the award notice again (a rejected award becomes pending)",
                "awards",
                {"200": ok("Award")},
                "401 404 409",
                description="409 when the award is revoked or a notice is already on its way.",
            ),
        },
        "/api/v1/assertions/{assertion_id}/recertify": {
            "parameters": [path_param("assertion_id")],
            "post": operation(
                "recertify",
                "Re-certify: a new expiry, images re-baked",
                "awards",
                {"200": ok("Award")},
                "400 401 404 409 413 415 422",
                description="409 when the award is revoked. The body may be empty.",
                requestBody=body("RecertifyInput", required=False),
            ),
        },
        "/api/v1/assertions/{assertion_id}/erase": {
            "parameters": [path_param("assertion_id")],
            "post": operation(
                "erase",
                "Erase the recipient's personal data (the hosted URL then answers 404)",
                "awards",
                {"204": {"description": "Erased."}},
                "401 404",
            ),
        },
        "/api/v1/verify": {
            "post": operation(
                "verify",
                "Verify any Open Badge (2.0 hosted or signed, 3.0 eddsa-rdfc-2022); no key needed",
                "verify",
                {"200": ok("VerifyReport", "The report: a verdict and each check with a sentence.")},
                "400 413 415 422 429",
                security=[],
                description="The same verifier as the /verify page. A badge that is not valid is still "
                "a 200 report (verdict invalid); 422 is for input that is not a badge at all, or an "
                "address Laurel will not fetch (private networks).",
                requestBody=body("VerifyInput"),
            ),
        },
        "/api/v1/jobs/{job_id}": {
            "parameters": [path_param("job_id")],
            "get": operation(
                "get_job",
                "A bulk job: progress and per-row results",
                "awards",
                {"200": ok("JobReport")},
                "401 404 422",
                parameters=[param("Limit"), param("Cursor")],
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
        "servers": [{"url": urls.base()}],
        "security": [{"bearer": []}],
        "tags": [{"name": n} for n in ("issuer", "badge classes", "awards", "verify", "meta")],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "lrl_… API key"}
            },
            "parameters": PARAMETERS,
            "responses": {name: problem(status, text) for status, (name, text) in ERRORS.items()},
            "schemas": SCHEMAS,
        },
    }
