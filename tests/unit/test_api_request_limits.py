"""What a URL may carry: only the query parameters an operation documents, and ids, filters and cursors
that never reach a DynamoDB key larger than DynamoDB allows.

DynamoDB refuses a GetItem or Query whose partition key exceeds 2048 bytes (sort keys: 1024) with a
ValidationException, which would be a 500; moto does not check reads, so the fixture below makes it.
API Gateway lets URLs of several KB through, so such ids are one curl away.
"""

from __future__ import annotations

import base64
import json

import pytest

from tests.support.inprocess import assert_problem

pytestmark = pytest.mark.usefixtures("no_500", "dynamodb_key_limits")
LONG = "a" * 3000


@pytest.fixture
def dynamodb_key_limits(monkeypatch):
    """Make moto refuse oversized keys on reads, as DynamoDB does."""
    from moto.dynamodb.exceptions import HashKeyTooLong, RangeKeyTooLong
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType

    def check(values, limit: int, error: type) -> None:
        for value in values:
            if value and DynamoType(value).size() > limit:
                raise error

    get_item, query = DynamoDBBackend.get_item, DynamoDBBackend.query

    def checked_get_item(self, table_name, keys, *args, **kwargs):
        check(keys.values(), 2048, HashKeyTooLong)
        return get_item(self, table_name, keys, *args, **kwargs)

    def checked_query(self, table_name, hash_key_dict, *args, **kwargs):
        conditions = kwargs.get("hash_key_conditions") or []
        check([hash_key_dict, *(value for _, value in conditions)], 2048, HashKeyTooLong)
        start = args[3] if len(args) > 3 else kwargs.get("exclusive_start_key")
        check((start or {}).values(), 1024, RangeKeyTooLong)
        return query(self, table_name, hash_key_dict, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "get_item", checked_get_item)
    monkeypatch.setattr(DynamoDBBackend, "query", checked_query)


def test_the_fixture_makes_moto_refuse_an_oversized_key(aws, dynamodb_key_limits):
    from pynamodb.exceptions import GetError

    from chalicelib.store.dynamo.models import BadgeClassItem

    with pytest.raises(GetError, match="2048"):
        BadgeClassItem.get(f"BADGE#{LONG}", "BADGE")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/badgeclasses/{id}"),
        ("PATCH", "/api/v1/badgeclasses/{id}"),
        ("GET", "/api/v1/badgeclasses/{id}/assertions"),
        ("POST", "/api/v1/badgeclasses/{id}/assertions"),
        ("POST", "/api/v1/badgeclasses/{id}/assertions/bulk"),
        ("GET", "/api/v1/assertions/{id}"),
        ("POST", "/api/v1/assertions/{id}/revoke"),
        ("POST", "/api/v1/assertions/{id}/resend"),
        ("POST", "/api/v1/assertions/{id}/recertify"),
        ("POST", "/api/v1/assertions/{id}/erase"),
        ("GET", "/api/v1/jobs/{id}"),
        ("POST", "/api/v1/keys/{id}/revoke"),
    ],
)
def test_an_oversized_id_in_the_path_is_404(issuer, method, path):
    body = {"reason": "x"} if path.endswith("/revoke") else {"recipient_email": "ada@example.org"}
    body = None if method == "GET" or path.endswith(("/resend", "/erase")) else body
    problem = assert_problem(issuer.api.call(method, path.format(id=LONG), body), 404)
    assert len(problem["detail"]) < 100, problem["detail"]  # the id is not echoed back


@pytest.mark.parametrize(
    "path",
    [
        "/public/issuers/{id}",
        "/public/badges/{id}",
        "/public/assertions/{id}",
        "/public/issuers/{id}/keys/k1",
        "/public/issuers/i1/keys/{id}",
    ],
)
def test_an_oversized_id_in_a_hosted_url_is_404(client, path):
    response = client.http.get(path.format(id=LONG), headers={"Accept": "application/ld+json"})
    assert response.status_code == 404, response.body


def test_an_oversized_badge_class_filter_finds_nothing(issuer, badge_class):
    response = issuer.api.call("GET", f"/api/v1/assertions?badge_class={LONG}")
    assert response.status_code == 200, response.body
    assert response.json == {"items": [], "next_cursor": None}


def test_an_oversized_recipient_filter_is_422(issuer, badge_class):
    response = issuer.api.call("GET", f"/api/v1/assertions?recipient_email={LONG}@example.org")
    assert_problem(response, 422, fields=["recipient_email"])


@pytest.mark.parametrize("path", ["/api/v1/assertions", "/api/v1/badgeclasses"])
def test_a_cursor_with_oversized_keys_is_422(issuer, badge_class, path):
    page = issuer.api.call("GET", f"{path}?limit=1")
    key = {"pk": {"S": "x"}, "sk": {"S": LONG}, "issuer_id": {"S": issuer.id}, "listing": {"S": LONG}}
    cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
    assert page.status_code == 200, page.body
    assert_problem(issuer.api.call("GET", f"{path}?cursor={cursor}"), 422, fields=["cursor"])


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/api/v1/issuer?verbose=1", ["verbose"]),
        ("/api/v1/badgeclasses?limt=10", ["limt"]),
        ("/api/v1/badgeclasses?limit=1&limit=2", ["limit"]),
        ("/api/v1/assertions?state=pending&badge=x&page=2", ["badge", "page"]),
        ("/api/v1/jobs/nope?offset=5", ["offset"]),
        ("/api/v1/openapi.json?format=yaml", ["format"]),
    ],
)
def test_unknown_or_repeated_query_parameters_are_422(issuer, badge_class, path, fields):
    assert_problem(issuer.api.call("GET", path), 422, fields=fields)


def test_the_documented_query_parameters_are_accepted(issuer, badge_class):
    query = f"badge_class={badge_class['id']}&recipient_email=a@example.org&state=pending&limit=5&cursor="
    assert issuer.api.call("GET", f"/api/v1/assertions?{query}").status_code == 200
    assert issuer.api.call("GET", "/api/v1/badgeclasses?limit=5&cursor=").status_code == 200


def test_every_operation_documents_the_422_for_query_parameters():
    from chalicelib.web.openapi import document

    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                assert "422" in operation["responses"], (method, path)
