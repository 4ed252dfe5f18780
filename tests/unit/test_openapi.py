"""The OpenAPI document at /api/v1/openapi.json: valid, complete, and true to real responses."""

from __future__ import annotations

import base64
import json

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from chalicelib.store import current
from chalicelib.web.openapi import document
from tests.support.inprocess import SVG, Api, data_uri, drain_queue, png_bytes

BASE = "urn:laurel:openapi"
METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def test_document_is_valid_openapi():
    from openapi_spec_validator import validate

    validate(document())


def test_operations_are_exactly_the_routes():
    from app import app

    routes = {path: set(methods) for path, methods in app.routes.items() if path.startswith("/api/v1/")}
    documented = {
        path: {m.upper() for m in item if m in METHODS} for path, item in document()["paths"].items()
    }
    assert documented == routes


def test_links_lead_to_real_operations_and_their_path_parameters():
    """A created object's links (followed by clients and by `make fuzz`) name operations that exist."""
    paths = document()["paths"]
    operations = {
        op["operationId"]: path for path, item in paths.items() for m, op in item.items() if m in METHODS
    }
    links = [
        link
        for item in paths.values()
        for method, op in item.items()
        if method in METHODS
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(links) >= 10
    for link in links:
        path = operations[link["operationId"]]
        assert all(f"{{{name}}}" in path for name in link["parameters"]), (link, path)


def test_input_schemas_name_the_fields_the_services_accept():
    from chalicelib.services.issuing import awards, badgeclasses, issuers

    schemas = document()["components"]["schemas"]
    for name, fields in {
        "IssuerUpdate": issuers.PROFILE_FIELDS,
        "BadgeClassInput": badgeclasses.FIELDS,
        "BadgeClassUpdate": badgeclasses.FIELDS,
        "BadgeClassForm": badgeclasses.FIELDS,
        "Alignment": badgeclasses.ALIGNMENT_FIELDS,
        "AwardInput": awards.AWARD_FIELDS,
        "EvidenceInput": awards.EVIDENCE_FIELDS,
    }.items():
        assert set(schemas[name]["properties"]) == set(fields), name


def test_bulk_operation_documents_the_csv_columns():
    from chalicelib.services.issuing.bulk import CSV_COLUMNS

    description = document()["paths"]["/api/v1/badgeclasses/{badge_id}/assertions/bulk"]["post"][
        "description"
    ]
    assert all(f"`{column}`" in description for column in CSV_COLUMNS)


class Checked:
    """Calls the API and validates each response against the document's schema for its status."""

    def __init__(self, api: Api):
        self.api = api
        self.doc = document()
        resource = Resource.from_contents(self.doc, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(BASE, resource)
        self.templates = sorted(self.doc["paths"], key=lambda t: t.count("{"))  # /revoke before /{id}
        self.seen: set[tuple[str, str, int]] = set()

    def as_(self, key: str | None) -> Checked:
        other = Checked.__new__(Checked)
        other.__dict__ = {**self.__dict__, "api": Api(self.api.client, key)}
        return other

    def _resolve(self, node: dict, pointer: str) -> tuple[dict, str]:
        while "$ref" in node:
            pointer = node["$ref"][1:]
            node = self.doc
            for part in pointer.strip("/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, pointer

    def _validate(self, instance, pointer: str) -> None:
        schema = {"$ref": f"{BASE}#{pointer}"}
        validator = Draft202012Validator(
            schema, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
        assert not errors, errors

    def __call__(self, method: str, path: str, status: int, body=None, *, check_request=True, **kwargs):
        response = self.api.call(method, path, body, **kwargs)
        assert response.status_code == status, (method, path, response.body)
        template = next(t for t in self.templates if _matches(t, path.split("?")[0]))
        escaped = template.replace("~", "~0").replace("/", "~1")
        op_pointer = f"/paths/{escaped}/{method.lower()}"
        operation = self.doc["paths"][template][method.lower()]
        assert str(status) in operation["responses"], f"{method} {template} answered undocumented {status}"
        spec, pointer = self._resolve(operation["responses"][str(status)], f"{op_pointer}/responses/{status}")
        if status == 204:
            assert not response.body and "content" not in spec
        else:
            # a view returning a dict sends no Content-Type; API Gateway and `chalice local` say JSON
            kind = response.headers.get("Content-Type", "application/json").split(";")[0]
            assert kind in spec["content"], (method, template, status, kind)
            self._validate(response.json, f"{pointer}/content/{kind.replace('/', '~1')}/schema")
        for header in spec.get("headers", {}):
            assert header in response.headers, (method, template, status, header)
        if body is not None and status < 300 and check_request:  # requests that worked fit the input schema
            self._validate(body, f"{op_pointer}/requestBody/content/application~1json/schema")
        self.seen.add((method.upper(), template, status))
        return response.json


def _matches(template: str, path: str) -> bool:
    want, got = template.split("/"), path.split("/")
    return len(want) == len(got) and all(w == g or w.startswith("{") for w, g in zip(want, got, strict=True))


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = "laurel-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    for name, (filename, kind, data) in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append(f"{head}Content-Type: {kind}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def call(issuer):
    return Checked(issuer.api)


def test_real_responses_match_the_document(call, issuer, badge_class):
    """Every operation, each success and error kind, validated against its documented response."""
    _profile_and_keys(call)
    _badge_classes(call, badge_class)
    _awards_jobs_and_errors(call, badge_class)
    _verify(call.as_(None))
    exercised = {(method, path) for method, path, status in call.seen if status < 300}
    documented = {
        (method.upper(), path)
        for path, item in call.doc["paths"].items()
        for method in item
        if method in METHODS
    }
    assert documented == exercised
    assert {status for *_, status in call.seen} >= {400, 401, 404, 409, 413, 415, 422}


def test_unavailable_answers_match_the_document(call, badge_class, monkeypatch):
    """A 503 (here the queue is down during a bulk award) has Retry-After and a documented body."""
    from chalicelib.store import queue

    def refuse(messages):
        raise RuntimeError("queue is down")

    monkeypatch.setattr(queue, "send", refuse)
    rows = {"assertions": [{"recipient_email": "q@example.org"}]}
    problem = call("POST", f"/api/v1/badgeclasses/{badge_class['id']}/assertions/bulk", 503, rows)
    assert problem["job_id"]


def _profile_and_keys(call: Checked) -> None:
    assert call("GET", "/api/v1/openapi.json", 200) == document()
    call("GET", "/api/v1/issuer", 200)
    call("PATCH", "/api/v1/issuer", 200, {"description": "Skills for everyone."})
    call("PATCH", "/api/v1/issuer", 422, {"url": "not a url", "colour": "red"})
    call("POST", "/api/v1/issuer/rotate-credential-key", 200)
    call("GET", "/api/v1/keys", 200)
    key = call("POST", "/api/v1/keys", 201, {"label": "ci"})
    call("POST", "/api/v1/keys", 201)
    call("POST", f"/api/v1/keys/{key['id']}/revoke", 200)
    call("POST", "/api/v1/keys/nope/revoke", 404)
    call.as_(key["api_key"])("GET", "/api/v1/issuer", 401)
    call.as_(None)("GET", "/api/v1/badgeclasses", 401)
    call.as_("lrl_unknown")("GET", "/api/v1/badgeclasses", 401)


def _verify(anyone: Checked) -> None:
    report = anyone("POST", "/api/v1/verify", 200, {"json": {"hello": "world"}, "expected_email": "a@b.org"})
    assert report["verdict"] == "invalid" and report["checks"][0]["passed"] is False
    anyone("POST", "/api/v1/verify", 422, {"url": "http://169.254.169.254/latest/meta-data/"})
    anyone("POST", "/api/v1/verify", 422, {})


def _badge_classes(call: Checked, badge_class: dict) -> None:
    page = call("GET", "/api/v1/badgeclasses?limit=1", 200)
    assert page["items"][0]["id"] == badge_class["id"]
    call("GET", "/api/v1/badgeclasses?limit=0", 422)
    call("GET", f"/api/v1/badgeclasses/{badge_class['id']}", 200)
    call("GET", "/api/v1/badgeclasses/nope", 404)
    call(
        "PATCH",
        f"/api/v1/badgeclasses/{badge_class['id']}",
        200,
        {"tags": ["data"], "description": "Reads data."},
    )
    call("PATCH", f"/api/v1/badgeclasses/{badge_class['id']}", 422, {"criteria_narrative": None})
    body, kind = multipart(
        {
            "name": "Vector Art",
            "description": "Draws.",
            "criteria_url": "https://skills.example/c",
            "tags": "a,b",
        },
        {"image": ("badge.svg", "image/svg+xml", SVG.encode())},
    )
    svg_badge = call("POST", "/api/v1/badgeclasses", 201, headers={"Content-Type": kind}, raw=body)
    assert svg_badge["image"].endswith(".svg")
    call("POST", "/api/v1/badgeclasses", 415, headers={"Content-Type": "text/plain"}, raw="name=x")
    call("POST", "/api/v1/badgeclasses", 400, raw='{"name": ')
    bad_image = {
        "name": "X",
        "description": "Y",
        "criteria_url": "https://x.example",
        "image": data_uri(b"no"),
    }
    call("POST", "/api/v1/badgeclasses", 422, bad_image)
    big = data_uri(png_bytes()) + "A" * 2_200_000
    call("POST", "/api/v1/badgeclasses", 413, raw=json.dumps({**bad_image, "image": big}))


def _awards_jobs_and_errors(call: Checked, badge_class: dict) -> None:
    from chalicelib.services.issuing import issuers

    badge_id = badge_class["id"]
    awards = f"/api/v1/badgeclasses/{badge_id}/assertions"
    ada = {
        "recipient_email": " Ada@Example.ORG ",
        "recipient_name": "Ada",
        "narrative": "Did the work.",
        "evidence": [{"url": "https://skills.example/e/1", "narrative": "Report"}],
    }
    first = call("POST", awards, 201, ada, headers={"Idempotency-Key": "k1"})
    assert call("POST", awards, 200, ada, headers={"Idempotency-Key": "k1"})["id"] == first["id"]
    call("POST", awards, 409, {**ada, "notify": False}, headers={"Idempotency-Key": "k1"})
    call("POST", awards, 409, ada)
    second = call("POST", awards, 201, {**ada, "allow_duplicate": True, "notify": False})
    call("POST", awards, 422, {"recipient_email": "not-an-email", "issued_on": "2999-01-01"})
    call("POST", awards, 415, headers={"Content-Type": "text/plain"}, raw="ada@example.org")
    call("POST", awards, 415, headers={"Content-Type": "application/xml"}, raw="<award/>")
    call("POST", awards, 400, raw="{not json")
    call("POST", awards, 422, raw="   ")
    call("POST", "/api/v1/badgeclasses/nope/assertions", 404, ada)

    call("GET", f"{awards}?state=pending&limit=10", 200)
    call("GET", f"{awards}?state=lost", 422)
    call("GET", "/api/v1/badgeclasses/nope/assertions", 404)
    call("GET", "/api/v1/assertions?recipient_email=ADA@example.org", 200)
    call("GET", f"/api/v1/assertions?badge_class={badge_id}&limit=1", 200)
    call("GET", "/api/v1/assertions?cursor=!!!", 422)
    forged = base64.urlsafe_b64encode(json.dumps({"pk": {"S": "x"}}).encode()).decode()
    call("GET", f"/api/v1/assertions?cursor={forged}", 422)
    assert call("GET", f"/api/v1/assertions/{first['id']}", 200)["state"] == "pending"
    call("GET", "/api/v1/assertions/nope", 404)

    call("POST", f"/api/v1/assertions/{first['id']}/resend", 409)  # the first notice is still queued
    drain_queue()
    call("POST", f"/api/v1/assertions/{first['id']}/resend", 200)
    call("POST", f"/api/v1/assertions/{first['id']}/recertify", 200)
    call("POST", f"/api/v1/assertions/{first['id']}/recertify", 200, {"expires": "2099-01-01"})
    call(
        "POST",
        f"/api/v1/assertions/{first['id']}/recertify",
        200,
        {"expires_after": {"amount": 3, "unit": "months"}},
    )
    call("POST", f"/api/v1/assertions/{first['id']}/recertify", 422, {"expires": "2001-01-01"})
    call("POST", f"/api/v1/assertions/{first['id']}/revoke", 422, {})
    call("POST", f"/api/v1/assertions/{first['id']}/revoke", 413, raw=json.dumps({"reason": "x" * 1_100_000}))
    revoked = call("POST", f"/api/v1/assertions/{first['id']}/revoke", 200, {"reason": "Issued in error"})
    assert revoked["state"] == "revoked"
    call("POST", f"/api/v1/assertions/{first['id']}/resend", 409)
    call("POST", f"/api/v1/assertions/{first['id']}/recertify", 409)
    call("POST", "/api/v1/assertions/revoke", 200, {"ids": [second["id"], "nope"], "reason": "Batch"})
    call("POST", "/api/v1/assertions/revoke", 422, {"reason": "No ids"})
    call("POST", f"/api/v1/assertions/{second['id']}/erase", 204)
    call("POST", f"/api/v1/assertions/{second['id']}/erase", 404)

    bulk = f"{awards}/bulk"
    rows = {"assertions": [{"recipient_email": "grace@example.org"}, {"recipient_email": "nope"}]}
    job = call("POST", bulk, 202, rows, check_request=False)  # row 2 is refused
    assert job["errors"][0]["row"] == 2
    csv = "recipient_email,recipient_name,evidence_url,notify\nlin@example.org,Lin,https://e.example/1,no\n"
    call("POST", bulk, 202, headers={"Content-Type": "text/csv"}, raw=csv)
    call("POST", bulk, 422, headers={"Content-Type": "text/csv"}, raw="email,name\nx@example.org,X\n")
    call("POST", bulk, 422, {"assertions": [{"recipient_email": "bad"}]})
    call("POST", bulk, 422, {"rows": []})
    call("POST", bulk, 415, headers={"Content-Type": "text/plain"}, raw="x")
    call("POST", bulk, 400, raw="[")
    call("GET", f"/api/v1/jobs/{job['id']}", 200)
    drain_queue()
    report = call("GET", f"/api/v1/jobs/{job['id']}?limit=5", 200)
    assert report["status"] == "finished" and report["results"] and report["failures"]
    call("GET", "/api/v1/jobs/nope", 404)

    _, other_key = issuers.create_issuer(
        name="Other", url="https://other.example", email="o@other.example", store=current()
    )
    other = call.as_(other_key)
    other("GET", f"/api/v1/badgeclasses/{badge_id}", 404)
    other("GET", f"/api/v1/assertions/{first['id']}", 404)
    other("GET", f"/api/v1/jobs/{job['id']}", 404)
