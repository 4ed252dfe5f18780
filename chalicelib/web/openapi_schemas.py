"""Component schemas of the issuer API's OpenAPI document (JSON Schema 2020-12, as OpenAPI 3.1 uses).

Response schemas list every key `to_api()` writes and refuse others, so tests/unit/test_openapi.py
notices when a service answers with a field this document does not describe.
"""

from __future__ import annotations

from chalicelib.openbadges.verify_base import CHECKS as VERIFY_CHECKS
from chalicelib.services.issuing import bulk
from chalicelib.web.openapi_fields import (
    ALIGNMENT,
    API_KEY,
    AWARD_INPUT,
    BADGE_FORM,
    BADGE_INPUT,
    CRITERIA,
    DATA_URI,
    EXPIRY_RULE,
    FIELD_ERROR,
    JOB,
    NOTICES,
    STATES,
    TIME,
    TIME_IN,
    URL,
    null_or,
    obj,
    page_of,
    ref,
    text,
)

SCHEMAS: dict = {
    "Problem": obj(
        {
            "type": text(description='Always "about:blank".'),
            "title": text(),
            "status": {"type": "integer"},
            "detail": text(description="What is wrong, specifically."),
            "errors": {"type": "array", "items": ref("FieldError")},
            "existing_id": text(description="409 on a duplicate award: the active award's id."),
            "job_id": text(
                description="503 on a bulk award that could not be queued: its job, marked failed."
            ),
        },
        required=["type", "title", "status", "detail"],
        description="RFC 9457 problem details, sent as application/problem+json.",
    ),
    "FieldError": FIELD_ERROR,
    "Page": obj(
        {
            "items": {"type": "array"},
            "next_cursor": null_or(text(description="Pass as ?cursor= for the next page; null on the last.")),
        },
        required="all",
    ),
    "Issuer": obj(
        {
            "id": text(),
            "public_url": text(format="uri", description="The hosted Open Badges Profile."),
            "name": text(),
            "url": text(format="uri"),
            "email": text(format="email"),
            "description": null_or(text()),
            "image": null_or(text(format="uri")),
            "signing": {"type": "boolean"},
            "public_key": null_or(text(format="uri")),
            "revocation_list": null_or(text(format="uri")),
            "created_at": TIME,
            "updated_at": TIME,
        },
        required="all",
    ),
    "IssuerUpdate": obj(
        {
            "name": text(200),
            "url": URL,
            "email": text(254, format="email"),
            "description": null_or(text(5000)),
            "image": DATA_URI,
            "signing": {"type": "boolean", "description": "true opts in to signed (JWS) assertions."},
        }
    ),
    "CredentialKey": obj(
        {
            "kid": text(),
            "verification_method": text(
                format="uri", description="The proof's verificationMethod: the key's own URL (its Multikey)."
            ),
            "controller": text(format="uri", description="The OB 3.0 issuer id: its controller document."),
            "public_key_multibase": text(description="The Ed25519 public key as a Multikey (z6Mk…)."),
            "created_at": TIME,
        },
        required="all",
    ),
    "ApiKey": obj(API_KEY, required="all"),
    "ApiKeyCreated": obj(
        {**API_KEY, "api_key": text(description="The key itself, shown only in this response.")},
        required="all",
    ),
    "ApiKeyInput": obj({"label": null_or(text(100, "A name to recognise the key by; trimmed."))}),
    "ApiKeyList": obj({"items": {"type": "array", "items": ref("ApiKey")}}, required="all"),
    "Alignment": obj(ALIGNMENT, required=["targetName", "targetUrl"]),
    "ExpiryRule": EXPIRY_RULE,
    "BadgeClass": obj(
        {
            "id": text(),
            "public_url": text(format="uri", description="The hosted Open Badges BadgeClass id."),
            "name": text(),
            "description": text(),
            "image": text(format="uri"),
            "criteria_narrative": null_or(text()),
            "criteria_url": null_or(text(format="uri")),
            "tags": {"type": "array", "items": text()},
            "alignment": {"type": "array", "items": ref("Alignment")},
            "expires_after": null_or(ref("ExpiryRule")),
            "created_at": TIME,
            "updated_at": TIME,
        },
        required="all",
    ),
    "BadgeClassInput": {**obj(BADGE_INPUT, required=["name", "description", "image"]), "anyOf": CRITERIA},
    "BadgeClassUpdate": obj(
        BADGE_INPUT, description="Only the fields sent change; criteria must stay non-empty."
    ),
    "BadgeClassForm": obj(
        BADGE_FORM, description="The same fields as multipart/form-data; image as a file part."
    ),
    "BadgeClassPage": page_of("BadgeClass"),
    "EvidenceInput": {
        **obj({"url": URL, "narrative": text(5000)}),
        "anyOf": [{"required": ["url"]}, {"required": ["narrative"]}],
    },
    "Evidence": obj({"url": text(format="uri"), "narrative": text()}),
    "AwardInput": obj(AWARD_INPUT, required=["recipient_email"]),
    "Award": obj(
        {
            "id": text(),
            "public_url": text(format="uri", description="The hosted Open Badges Assertion id."),
            "badge_class_id": text(),
            "recipient_email": text(format="email"),
            "recipient_name": null_or(text()),
            "issued_on": TIME,
            "expires": null_or(TIME),
            "narrative": null_or(text()),
            "evidence": {"type": "array", "items": ref("Evidence")},
            "state": {"type": "string", "enum": STATES, "description": "expired is derived from expires."},
            "revocation_reason": null_or(text()),
            "notice": {"type": "string", "enum": NOTICES, "description": "The award notice email."},
            "notice_error": null_or(text()),
            "baked_png": text(format="uri"),
            "baked_svg": null_or(text(format="uri", description="When the class image is SVG.")),
            "signed": null_or(
                text(format="uri", description="The JWS, when the issuer signs (GET one award only).")
            ),
            "job_id": null_or(text(description="The bulk job that created it.")),
            "created_at": TIME,
            "updated_at": TIME,
        },
        required="all",
        description="An award (an Open Badges Assertion) as the issuer sees it.",
    ),
    "AwardPage": page_of("Award"),
    "BulkInput": obj(
        {
            "assertions": {
                "type": "array",
                "minItems": 1,
                "maxItems": bulk.MAX_ROWS,
                "items": ref("AwardInput"),
            }
        },
        required="all",
    ),
    "Job": obj(JOB, required="all"),
    "BulkAccepted": obj(
        {
            **JOB,
            "status_url": text(description="GET it for progress."),
            "errors": {
                "type": "array",
                "items": ref("FieldError"),
                "description": "Refused rows (with row).",
            },
        },
        required="all",
    ),
    "JobReport": obj(
        {
            **JOB,
            "results": {
                "type": "array",
                "description": "Awarded rows, a page at a time (limit, cursor).",
                "items": obj(
                    {
                        "row": {"type": "integer"},
                        "assertion_id": text(),
                        "state": {"type": "string", "enum": STATES},
                        "notice": {"type": "string", "enum": NOTICES},
                    },
                    required="all",
                ),
            },
            "next_cursor": null_or(text()),
            "failures": {
                "type": "array",
                "description": "Refused rows (up to 1,000) with their errors.",
                "items": obj(
                    {"row": {"type": "integer"}, "errors": {"type": "array", "items": ref("FieldError")}},
                    required="all",
                ),
            },
        },
        required="all",
    ),
    "RevokeInput": obj({"reason": text(1000)}, required="all"),
    "RevokeManyInput": obj(
        {"ids": {"type": "array", "minItems": 1, "maxItems": 100, "items": text(64)}, "reason": text(1000)},
        required="all",
    ),
    "RevokeManyResult": obj(
        {
            "items": {
                "type": "array",
                "items": {
                    "oneOf": [
                        ref("Award"),
                        obj({"id": text(), "error": text()}, required="all", description="Not found."),
                    ]
                },
            }
        },
        required="all",
    ),
    "RecertifyInput": obj(
        {"expires": TIME_IN, "expires_after": ref("ExpiryRule")},
        description="Both optional: without them the badge class's expires_after counts from now.",
    ),
    "VerifyInput": {
        **obj(
            {
                "url": text(2000, "A hosted OB 2.0 assertion or an OB 3.0 credential's address."),
                "json": {"type": ["string", "object"], "description": "An assertion or credential."},
                "jws": text(description="A signed OB 2.0 assertion (compact JWS)."),
                "image": text(description="A baked PNG or SVG as a base64 data URI, at most 2 MB decoded."),
                "expected_email": text(254, "When given, the recipient check compares it with the badge's."),
            }
        ),
        "minProperties": 1,
        "description": "Exactly one of url, json, jws or image; an address in a private network is refused "
        "(422).",
    },
    "VerifyCheck": obj(
        {
            "id": {"type": "string", "enum": list(VERIFY_CHECKS)},
            "name": {"type": "string", "enum": list(VERIFY_CHECKS.values())},
            "passed": {
                "type": ["boolean", "null"],
                "description": "null: not checked (an earlier check failed).",
            },
            "sentence": text(description="What was found, for a person."),
        },
        required="all",
    ),
    "VerifyReport": obj(
        {
            "verdict": {"type": "string", "enum": ["valid", "invalid"]},
            "version": {"type": ["string", "null"], "enum": ["2.0-hosted", "2.0-signed", "3.0", None]},
            "sentence": text(description="The verdict and, when invalid, the first failed check."),
            "checks": {"type": "array", "items": ref("VerifyCheck")},
            "badge": null_or(
                obj(
                    {
                        "name": null_or(text()),
                        "description": null_or(text()),
                        "issuer_name": null_or(text()),
                        "issuer_id": null_or(text()),
                        "image": null_or(text(description="An image URL or data URI.")),
                        "issued_on": null_or(text()),
                        "expires": null_or(text()),
                        "recipient_matched": {"type": ["boolean", "null"]},
                    },
                    required="all",
                )
            ),
        },
        required="all",
    ),
}
