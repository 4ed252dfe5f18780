"""Bad input to the issuer API: a clear problem+json 4xx, and nothing written."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib.store import current
from tests.support.inprocess import SVG, assert_problem, data_uri, drain_queue, png_bytes, store_snapshot

pytestmark = pytest.mark.usefixtures("no_500")

GOOD_BADGE = {
    "name": "Careful Reader",
    "description": "Reads carefully.",
    "criteria_narrative": "Read the whole thing.",
}


def awards_path(badge: dict) -> str:
    return f"/api/v1/badgeclasses/{badge['id']}/assertions"


@pytest.fixture
def before(badge_class):
    """The stored state once the badge class exists; each test checks it did not change."""
    return store_snapshot()


@pytest.fixture
def other(client):
    """A second issuer with its own badge class and award."""
    from chalicelib.services.issuing import issuers
    from tests.support.inprocess import Api

    _item, key = issuers.create_issuer(
        name="Other Guild", url="https://other.example", email="o@other.example", store=current()
    )
    api = Api(client, key)
    badge = api.call("POST", "/api/v1/badgeclasses", {**GOOD_BADGE, "image": data_uri(png_bytes())}).json
    award = api.call("POST", awards_path(badge), {"recipient_email": "o1@example.org", "notify": False}).json
    return api, badge, award


# --- award bodies --------------------------------------------------------------------------------


def test_malformed_json_is_400_and_writes_nothing(issuer, badge_class, before):
    r = issuer.api.call("POST", awards_path(badge_class), raw='{"recipient_email": "a@example.org",')
    assert_problem(r, 400, "not valid JSON")
    assert store_snapshot() == before


def test_empty_body_is_refused(issuer, badge_class, before):
    r = issuer.api.call("POST", awards_path(badge_class), raw="")
    assert_problem(r, 422, "empty")
    assert store_snapshot() == before


@pytest.mark.parametrize("body", ["[1, 2]", '"ada@example.org"', "null", "42"])
def test_non_object_json_is_422(issuer, badge_class, before, body):
    r = issuer.api.call("POST", awards_path(badge_class), raw=body)
    problem = assert_problem(r, 422, "must be a JSON object")
    assert problem["detail"] == "body must be a JSON object."
    assert store_snapshot() == before


@pytest.mark.parametrize(
    ("body", "detail", "fields"),
    [
        ({"recipient_email": "a@example.org", "colour": "red"}, "colour is not a known field.", ["colour"]),
        ({"recipient_name": "Ada"}, "recipient_email is required.", ["recipient_email"]),
        ({"recipient_email": "not-an-address"}, "recipient_email is not a valid email address.", None),
        ({"recipient_email": "a@@example.org"}, "recipient_email is not a valid email address.", None),
        ({"recipient_email": 7}, "recipient_email must be a string.", None),
        (
            {"recipient_email": "a@example.org", "issued_on": "2999-01-01T00:00:00Z"},
            "issued_on must not be in the future.",
            ["issued_on"],
        ),
        (
            {"recipient_email": "a@example.org", "issued_on": "yesterday"},
            "issued_on must be an ISO 8601 date",
            ["issued_on"],
        ),
        (
            {
                "recipient_email": "a@example.org",
                "issued_on": "2024-05-01T00:00:00Z",
                "expires": "2024-04-01T00:00:00Z",
            },
            "expires must be after issued_on.",
            ["expires"],
        ),
        (
            {"recipient_email": "a@example.org", "issued_on": "2024-05-01", "expires": "2024-05-01"},
            "expires must be after issued_on.",
            ["expires"],
        ),
        ({"recipient_email": "a@example.org", "notify": "yes"}, "notify must be true or false.", ["notify"]),
        (
            {"recipient_email": "a@example.org", "evidence": [{"url": "ftp://x"}]},
            "evidence[0].url must be an absolute http(s) URL.",
            ["evidence[0].url"],
        ),
        (
            {"recipient_email": "a@example.org", "evidence": [{}]},
            "evidence[0] needs a url or a narrative.",
            ["evidence[0]"],
        ),
        ({"recipient_email": "a@example.org", "evidence": "x"}, "evidence must be a list of objects.", None),
    ],
)
def test_invalid_award_is_422_with_fields(issuer, badge_class, before, body, detail, fields):
    r = issuer.api.call("POST", awards_path(badge_class), body)
    problem = assert_problem(r, 422, detail)
    assert problem["errors"], problem
    if fields is not None:
        assert [e["field"] for e in problem["errors"]] == fields
    assert store_snapshot() == before
    listed = issuer.api.call("GET", "/api/v1/assertions")
    assert listed.status_code == 200 and listed.json["items"] == []


def test_every_failing_field_is_reported(issuer, badge_class, before):
    body = {"recipient_email": "nope", "issued_on": "2999-01-01", "notify": 1, "extra": True}
    problem = assert_problem(issuer.api.call("POST", awards_path(badge_class), body), 422)
    assert {e["field"] for e in problem["errors"]} == {"extra", "recipient_email", "issued_on", "notify"}
    assert store_snapshot() == before


def test_too_long_idempotency_key_writes_nothing(issuer, badge_class, before):
    r = issuer.api.call(
        "POST",
        awards_path(badge_class),
        {"recipient_email": "a@example.org"},
        headers={"Idempotency-Key": "k" * 201},
    )
    assert_problem(r, 422, "Idempotency-Key")
    assert store_snapshot() == before


@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_wrong_content_type_is_415(issuer, badge_class, before, kind):
    r = issuer.api.call(
        "POST",
        awards_path(badge_class),
        raw='{"recipient_email": "a@example.org"}',
        headers={"Content-Type": kind},
    )
    assert_problem(r, 415, "Content-Type")
    assert store_snapshot() == before


def test_wrong_content_type_for_badge_class_is_415(issuer, before):
    r = issuer.api.call("POST", "/api/v1/badgeclasses", raw="name=x", headers={"Content-Type": "text/plain"})
    assert_problem(r, 415, "multipart/form-data")
    assert store_snapshot() == before


# --- badge class images --------------------------------------------------------------------------


def create_badge(issuer, image: str):
    return issuer.api.call("POST", "/api/v1/badgeclasses", {**GOOD_BADGE, "image": image})


def badge_listing(issuer) -> list:
    return issuer.api.call("GET", "/api/v1/badgeclasses").json["items"]


def test_non_image_bytes_are_refused(issuer, badge_class, before):
    r = create_badge(issuer, data_uri(b"GIF89a this is not a png", "image/png"))
    assert_problem(r, 422, "image must be PNG or SVG", ["image"])
    assert store_snapshot() == before
    assert len(badge_listing(issuer)) == 1


def test_truncated_png_is_refused(issuer, badge_class, before):
    r = create_badge(issuer, data_uri(png_bytes()[:60]))
    assert_problem(r, 422, "not a valid PNG", ["image"])
    assert store_snapshot() == before


def test_image_that_is_not_a_data_uri_is_refused(issuer, badge_class, before):
    r = create_badge(issuer, "https://evil.example/badge.png")
    assert_problem(r, 422, "data URI", ["image"])
    assert store_snapshot() == before


def test_oversized_image_is_refused(issuer, badge_class, before):
    big = png_bytes() + b"\0" * 1_100_000
    r = create_badge(issuer, data_uri(big))
    assert_problem(r, 422, "larger than 1 MB", ["image"])
    assert store_snapshot() == before


def test_oversized_multipart_image_is_refused(issuer, badge_class, before):
    boundary = "XyZ"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in GOOD_BADGE.items()
    ]
    image = png_bytes() + b"\0" * 1_100_000
    body = (
        "".join(parts).encode()
        + f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="b.png"\r\n'.encode()
        + b"Content-Type: image/png\r\n\r\n"
        + image
        + f"\r\n--{boundary}--\r\n".encode()
    )
    r = issuer.api.call(
        "POST",
        "/api/v1/badgeclasses",
        raw=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert_problem(r, 422, "larger than 1 MB", ["image"])
    assert store_snapshot() == before


def test_svg_script_is_stripped_not_served(issuer):
    hostile = SVG.replace(
        "<circle",
        '<script>alert(1)</script><image href="https://evil.example/x.png" width="1" height="1"/>'
        '<circle onload="alert(2)"',
    )
    assert "script" in hostile
    r = create_badge(issuer, data_uri(hostile.encode(), "image/svg+xml"))
    assert r.status_code == 201, r.body
    assert r.json["image"].endswith("/image.svg")
    served = issuer.api.call("GET", f"/public/badges/{r.json['id']}/image.svg")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/svg+xml"
    text = served.body.decode() if isinstance(served.body, bytes) else served.body
    assert "<circle" in text
    for bad in ("script", "alert", "onload", "evil.example"):
        assert bad not in text
    png = issuer.api.call("GET", f"/public/badges/{r.json['id']}/image.png", headers={"Accept": "image/png"})
    assert png.status_code == 200 and png.body[:8] == b"\x89PNG\r\n\x1a\n"


def test_svg_with_doctype_is_refused(issuer, badge_class, before):
    svg = '<!DOCTYPE svg [<!ENTITY x "y">]>' + SVG
    r = create_badge(issuer, data_uri(svg.encode(), "image/svg+xml"))
    assert_problem(r, 422, "DOCTYPE", ["image"])
    assert store_snapshot() == before


@pytest.mark.parametrize(
    ("change", "detail", "field"),
    [
        ({"name": ""}, "name must not be empty.", "name"),
        ({"expires_after": {"amount": 0, "unit": "years"}}, "expires_after amount", "expires_after"),
        ({"expires_after": {"amount": 1, "unit": "fortnights"}}, "expires_after unit", "expires_after"),
        (
            {"alignment": [{"targetName": "x"}]},
            "alignment[0].targetUrl is required.",
            "alignment[0].targetUrl",
        ),
        (
            {"criteria_url": "javascript:alert(1)"},
            "criteria_url must be an absolute http(s) URL.",
            "criteria_url",
        ),
        ({"tags": "data"}, "tags must be a list of strings.", "tags"),
        ({"shape": "round"}, "shape is not a known field.", "shape"),
    ],
)
def test_invalid_badge_class_is_422(issuer, badge_class, before, change, detail, field):
    r = issuer.api.call(
        "POST", "/api/v1/badgeclasses", {**GOOD_BADGE, "image": data_uri(png_bytes()), **change}
    )
    problem = assert_problem(r, 422, detail)
    assert field in [e["field"] for e in problem["errors"]]
    assert store_snapshot() == before


def test_badge_class_without_criteria_is_422(issuer, badge_class, before):
    body = {k: v for k, v in GOOD_BADGE.items() if k != "criteria_narrative"}
    r = issuer.api.call("POST", "/api/v1/badgeclasses", {**body, "image": data_uri(png_bytes())})
    assert_problem(r, 422, "criteria_narrative or criteria_url is required", ["criteria_narrative"])
    assert store_snapshot() == before


def test_bad_badge_class_update_changes_nothing(issuer, badge_class, before):
    path = f"/api/v1/badgeclasses/{badge_class['id']}"
    r = issuer.api.call("PATCH", path, {"image": data_uri(b"not an image")})
    assert_problem(r, 422, "image must be PNG or SVG", ["image"])
    r = issuer.api.call("PATCH", path, {"criteria_narrative": None})
    assert_problem(r, 422, "criteria_url is required")
    assert store_snapshot() == before
    assert issuer.api.call("GET", path).json == badge_class


# --- bulk ----------------------------------------------------------------------------------------


def bulk_path(badge: dict) -> str:
    return f"/api/v1/badgeclasses/{badge['id']}/assertions/bulk"


def test_csv_with_bad_rows_reports_row_numbers_and_awards_the_rest(issuer, badge_class):
    csv = (
        "recipient_email,recipient_name,issued_on\n"
        "one@example.org,One,\n"
        "not-an-email,Two,\n"
        "three@example.org,Three,2999-01-01\n"
        "four@example.org,Four,2024-01-01\n"
        "ONE@example.org,One again,\n"
    )
    r = issuer.api.call("POST", bulk_path(badge_class), raw=csv, headers={"Content-Type": "text/csv"})
    assert r.status_code == 202, r.body
    assert [(e["row"], e["field"]) for e in r.json["errors"]] == [
        (2, "recipient_email"),
        (3, "issued_on"),
        (5, "recipient_email"),
    ]
    assert r.json["total"] == 5 and r.json["failed"] == 3
    drain_queue()
    job = issuer.api.call("GET", r.json["status_url"]).json
    assert (job["done"], job["failed"], job["total"], job["status"]) == (2, 3, 5, "finished")
    assert sorted(x["row"] for x in job["results"]) == [1, 4]
    assert [f["row"] for f in job["failures"]] == [2, 3, 5]
    emails = {a["recipient_email"] for a in issuer.api.call("GET", "/api/v1/assertions").json["items"]}
    assert emails == {"one@example.org", "four@example.org"}


def test_csv_where_every_row_is_bad_writes_nothing(issuer, badge_class, before):
    r = issuer.api.call(
        "POST",
        bulk_path(badge_class),
        raw="recipient_email\nnope\nalso-nope\n",
        headers={"Content-Type": "text/csv"},
    )
    problem = assert_problem(r, 422, "No row is valid")
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [
        (1, "recipient_email"),
        (2, "recipient_email"),
    ]
    assert store_snapshot() == before


@pytest.mark.parametrize(
    ("csv", "detail"),
    [
        ("recipient_email,favourite_colour\na@example.org,red\n", "unknown columns: favourite_colour"),
        ("email,recipient_name\na@example.org,Ada\n", "unknown columns: email"),
        ("recipient_name\nAda\n", "a recipient_email column is required"),
        ("", "a recipient_email column is required"),
    ],
)
def test_csv_with_bad_header_writes_nothing(issuer, badge_class, before, csv, detail):
    r = issuer.api.call("POST", bulk_path(badge_class), raw=csv or "\n", headers={"Content-Type": "text/csv"})
    assert_problem(r, 422, detail, ["header"])
    assert store_snapshot() == before


def test_csv_row_with_extra_cells_is_a_row_error(issuer, badge_class):
    csv = "recipient_email\na@example.org\nb@example.org,surprise\n"
    r = issuer.api.call("POST", bulk_path(badge_class), raw=csv, headers={"Content-Type": "text/csv"})
    assert r.status_code == 202, r.body
    assert [e["row"] for e in r.json["errors"]] == [2]


def test_json_bulk_over_10000_rows_writes_nothing(issuer, badge_class, before):
    rows = [{"recipient_email": f"r{i}@example.org"} for i in range(10_001)]
    r = issuer.api.call("POST", bulk_path(badge_class), {"assertions": rows})
    assert_problem(r, 422, "At most 10000 rows")
    assert store_snapshot() == before


def test_csv_bulk_over_10000_rows_writes_nothing(issuer, badge_class, before):
    csv = "recipient_email\n" + "".join(f"r{i}@example.org\n" for i in range(10_001))
    r = issuer.api.call("POST", bulk_path(badge_class), raw=csv, headers={"Content-Type": "text/csv"})
    assert_problem(r, 422, "At most 10000 rows")
    assert store_snapshot() == before


@pytest.mark.parametrize(
    "body", [[{"recipient_email": "a@example.org"}], {"rows": []}, {"assertions": "a@example.org"}]
)
def test_json_bulk_of_wrong_shape_writes_nothing(issuer, badge_class, before, body):
    r = issuer.api.call("POST", bulk_path(badge_class), body)
    assert_problem(r, 422, '{"assertions": [ ... ]}', ["assertions"])
    assert store_snapshot() == before


def test_empty_json_bulk_writes_nothing(issuer, badge_class, before):
    assert_problem(issuer.api.call("POST", bulk_path(badge_class), {"assertions": []}), 422, "no rows")
    assert store_snapshot() == before


def test_bulk_with_wrong_content_type_is_415(issuer, badge_class, before):
    r = issuer.api.call(
        "POST", bulk_path(badge_class), raw="a@example.org", headers={"Content-Type": "text/plain"}
    )
    assert_problem(r, 415)
    assert store_snapshot() == before


# --- query parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("state=lost", "state"),
    ],
)
def test_bad_list_parameters_are_422(issuer, badge_class, query, field):
    r = issuer.api.call("GET", f"/api/v1/assertions?{query}")
    assert_problem(r, 422, None, [field])


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(json.dumps({"pk": {"S": "x"}}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps({"pk": "x"}).encode()).decode(),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/assertions", "/api/v1/badgeclasses"])
def test_forged_cursor_is_422(issuer, badge_class, cursor, path):
    r = issuer.api.call("GET", f"{path}?cursor={cursor}")
    assert_problem(r, 422, "cursor", ["cursor"])


# --- authentication ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        (None, "Authorization: Bearer"),
        ("Basic dXNlcjpwYXNz", "Authorization: Bearer"),
        ("Bearer lrl_wrongwrongwrongwrong", "not known"),
        ("Bearer ", "Authorization: Bearer"),
    ],
)
def test_missing_or_wrong_key_is_401(client, badge_class, before, authorization, detail):
    from tests.support.inprocess import Api

    api = Api(client, None)
    headers = {"Authorization": authorization} if authorization else {}
    for method, path, body in [
        ("GET", "/api/v1/issuer", None),
        ("GET", "/api/v1/badgeclasses", None),
        ("POST", "/api/v1/badgeclasses", {**GOOD_BADGE, "image": data_uri(png_bytes())}),
        ("POST", awards_path(badge_class), {"recipient_email": "a@example.org"}),
        ("POST", awards_path(badge_class) + "/bulk", {"assertions": [{"recipient_email": "a@example.org"}]}),
        ("GET", "/api/v1/assertions", None),
    ]:
        r = api.call(method, path, body, headers=headers)
        problem = assert_problem(r, 401, detail)
        assert "lrl_wrong" not in json.dumps(problem)
    assert store_snapshot() == before


def test_revoked_key_is_401(issuer, badge_class):
    created = issuer.api.call("POST", "/api/v1/keys", {"label": "ci"})
    assert created.status_code == 201
    second = created.json
    from tests.support.inprocess import Api

    api = Api(issuer.api.client, second["api_key"])
    assert api.call("GET", "/api/v1/issuer").status_code == 200
    assert issuer.api.call("POST", f"/api/v1/keys/{second['id']}/revoke").status_code == 200
    before = store_snapshot()
    assert_problem(api.call("GET", "/api/v1/issuer"), 401, "revoked")
    r = api.call("POST", awards_path(badge_class), {"recipient_email": "a@example.org"})
    assert_problem(r, 401, "revoked")
    assert store_snapshot() == before
    assert issuer.api.call("GET", "/api/v1/issuer").status_code == 200


# --- another issuer's ids ------------------------------------------------------------------------


def test_another_issuers_ids_are_404(issuer, badge_class, other):
    other_api, their_badge, their_award = other
    mine = issuer.api.call(
        "POST", awards_path(badge_class), {"recipient_email": "m@example.org", "notify": False}
    )
    assert mine.status_code == 201
    job = other_api.call(
        "POST", bulk_path(their_badge), {"assertions": [{"recipient_email": "j@example.org"}]}
    )
    assert job.status_code == 202
    their_key = other_api.call("GET", "/api/v1/keys").json["items"][0]["id"]
    before = store_snapshot()
    b, a = their_badge["id"], their_award["id"]
    for method, path, body in [
        ("GET", f"/api/v1/badgeclasses/{b}", None),
        ("PATCH", f"/api/v1/badgeclasses/{b}", {"name": "Mine now"}),
        ("POST", f"/api/v1/badgeclasses/{b}/assertions", {"recipient_email": "x@example.org"}),
        (
            "POST",
            f"/api/v1/badgeclasses/{b}/assertions/bulk",
            {"assertions": [{"recipient_email": "x@example.org"}]},
        ),
        ("GET", f"/api/v1/badgeclasses/{b}/assertions", None),
        ("GET", f"/api/v1/assertions/{a}", None),
        ("POST", f"/api/v1/assertions/{a}/revoke", {"reason": "mine"}),
        ("POST", f"/api/v1/assertions/{a}/resend", None),
        ("POST", f"/api/v1/assertions/{a}/recertify", {"expires": "2999-01-01"}),
        ("POST", f"/api/v1/assertions/{a}/erase", None),
        ("GET", f"/api/v1/jobs/{job.json['id']}", None),
        ("POST", f"/api/v1/keys/{their_key}/revoke", None),
    ]:
        r = issuer.api.call(method, path, body)
        problem = assert_problem(r, 404)
        assert b in problem["detail"] or a in problem["detail"] or "No " in problem["detail"], problem
    many = issuer.api.call("POST", "/api/v1/assertions/revoke", {"ids": [a], "reason": "mine"})
    assert many.status_code == 200 and many.json["items"] == [{"id": a, "error": f"No assertion {a}."}]
    filtered = issuer.api.call("GET", f"/api/v1/assertions?badge_class={b}")
    assert filtered.status_code == 200 and filtered.json["items"] == []
    by_email = issuer.api.call("GET", "/api/v1/assertions?recipient_email=o1@example.org")
    assert by_email.json["items"] == []
    assert store_snapshot() == before
    theirs = other_api.call("GET", f"/api/v1/assertions/{a}").json
    assert theirs["state"] == "pending" and theirs["recipient_email"] == "o1@example.org"
    assert other_api.call("GET", f"/api/v1/badgeclasses/{b}").json["name"] == GOOD_BADGE["name"]
    assert other_api.call("GET", "/api/v1/issuer").status_code == 200


def test_new_api_key_refuses_unknown_fields_and_non_objects(issuer):
    assert issuer.api.call("POST", "/api/v1/keys", [1]).status_code == 422
    r = issuer.api.call("POST", "/api/v1/keys", {"label": "ci", "scope": "all"})
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "scope"
    ok = issuer.api.call("POST", "/api/v1/keys", {"label": "ci"})
    assert ok.status_code == 201 and ok.json["label"] == "ci" and ok.json["api_key"].startswith("lrl_")


def test_badge_class_and_email_filters_combine(issuer, badge_class):
    path = f"/api/v1/badgeclasses/{badge_class['id']}/assertions"
    for email in ("one@example.org", "two@example.org"):
        assert issuer.api.call("POST", path, {"recipient_email": email, "notify": False}).status_code == 201
    listed = issuer.api.call(
        "GET", f"/api/v1/assertions?badge_class={badge_class['id']}&recipient_email=two@example.org"
    )
    assert [a["recipient_email"] for a in listed.json["items"]] == ["two@example.org"]
