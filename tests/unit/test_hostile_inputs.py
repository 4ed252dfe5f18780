"""Hostile inputs (tests/hostile/corpus.py) through the real entry points.

Each is refused with a specific 4xx that names the problem and writes nothing, or, where accepting it is
right, it comes out sanitised. And none of them is slow: see SLOW.
"""

from __future__ import annotations

import base64
import io
import json
import time
import zipfile
from hashlib import sha256

import pytest

from chalicelib.openbadges.baking import png_chunks, unbake_png
from chalicelib.store import current
from tests.hostile import corpus
from tests.support.inprocess import assert_problem, drain_queue, store_snapshot

pytestmark = pytest.mark.usefixtures("no_500")

# The one timing check here, and not a benchmark: a decompression bomb, a cubic canonicalisation or a
# backtracking regex shows up as a request that takes minutes. Every request below takes well under a
# second; the bound is generous so that only such a blow-up, never a busy CI machine, can fail it.
SLOW = 5.0

BADGE = {"name": "Careful Reader", "description": "Reads carefully.", "criteria_narrative": "Read it all."}
CSV = {"Content-Type": "text/csv"}


def timed(call, *args, **kwargs):
    start = time.monotonic()
    response = call(*args, **kwargs)
    elapsed = time.monotonic() - start
    assert elapsed < SLOW, f"{args[:2]} took {elapsed:.1f} s"
    return response


def send(api, method: str, path: str, body=None, **kwargs):
    return timed(api.call, method, path, body, **kwargs)


def text_of(response) -> str:
    return response.body.decode() if isinstance(response.body, bytes) else response.body


@pytest.fixture
def before(badge_class):
    """The stored state once the badge class exists; refusals must leave it as it is."""
    return store_snapshot()


def awards_path(badge: dict) -> str:
    return f"/api/v1/badgeclasses/{badge['id']}/assertions"


# --- badge class images: JSON data URI and multipart ----------------------------------------------------


def multipart(fields: dict, image: bytes, kind: str) -> tuple[bytes, dict]:
    boundary = "hostile-boundary-7f3a"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    extension = "svg" if "svg" in kind else "png"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="badge.{extension}"\r\n'
        f"Content-Type: {kind}\r\n\r\n"
    ).encode()
    body = b"".join(parts) + head + image + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def create_badge(issuer, image: bytes, kind: str, transport: str):
    if transport == "json":
        return send(
            issuer.api, "POST", "/api/v1/badgeclasses", {**BADGE, "image": corpus.data_uri(image, kind)}
        )
    body, headers = multipart(BADGE, image, kind)
    return send(issuer.api, "POST", "/api/v1/badgeclasses", raw=body, headers=headers)


REFUSED_IMAGES = [
    (corpus.bomb_png, "image/png", "larger than 4096x4096 pixels"),
    (corpus.many_itxt_png, "image/png", "too many text chunks"),
    (corpus.too_many_chunks_png, "image/png", "not a valid PNG: PNG has too many chunks"),
    (corpus.svg_xxe, "image/svg+xml", "SVG must not contain a DOCTYPE or entities"),
    (corpus.svg_billion_laughs, "image/svg+xml", "SVG must not contain a DOCTYPE or entities"),
    (corpus.svg_parameter_entity, "image/svg+xml", "SVG must not contain a DOCTYPE or entities"),
]


@pytest.mark.parametrize(
    ("build", "kind", "detail"), REFUSED_IMAGES, ids=lambda v: getattr(v, "__name__", None)
)
def test_hostile_class_image_is_refused_and_nothing_is_stored(issuer, before, build, kind, detail):
    for transport in ("json", "multipart"):
        r = create_badge(issuer, build(), kind, transport)
        assert_problem(r, 422, detail, ["image"])
    assert store_snapshot() == before


SVG_THREATS = (
    "script",
    "alert",
    "onload",
    "onclick",
    "foreignObject",
    "iframe",
    "javascript",
    "evil.example",
)


@pytest.mark.parametrize(
    "build", [corpus.svg_script, corpus.svg_onload, corpus.svg_foreign_object, corpus.svg_javascript_href]
)
def test_svg_with_active_content_is_stored_inert(issuer, build):
    for transport in ("json", "multipart"):
        r = create_badge(issuer, build(), "image/svg+xml", transport)
        assert r.status_code == 201, r.body
        served = send(issuer.api, "GET", f"/public/badges/{r.json['id']}/image.svg")
        assert served.status_code == 200 and served.headers["Content-Type"] == "image/svg+xml"
        svg = text_of(served)
        assert "<circle" in svg or "<rect" in svg
        assert not [threat for threat in SVG_THREATS if threat.lower() in svg.lower()], svg
        assert "data:image/svg" not in svg


@pytest.mark.parametrize(
    "build", [corpus.huge_itxt_png, corpus.itxt_bomb_png, corpus.ztxt_bomb_png, corpus.pixel_bomb_png]
)
def test_png_text_chunks_are_dropped_before_anything_inflates_them(issuer, build):
    r = create_badge(issuer, build(), "image/png", "json")
    assert r.status_code == 201, r.body
    served = send(
        issuer.api, "GET", f"/public/badges/{r.json['id']}/image.png", headers={"Accept": "image/png"}
    )
    assert served.status_code == 200
    kinds = [kind for kind, _ in png_chunks(served.body)]
    assert not {b"iTXt", b"tEXt", b"zTXt"} & set(kinds), kinds
    from PIL import Image

    with Image.open(io.BytesIO(served.body)) as image:
        image.load()


def test_class_image_baked_with_a_foreign_badge_bakes_only_ours(issuer):
    foreign = corpus.baked_png('{"id": "https://elsewhere.example/assertions/1", "type": "Assertion"}')
    badge = create_badge(issuer, foreign, "image/png", "multipart").json
    award = send(
        issuer.api, "POST", awards_path(badge), {"recipient_email": "ada@example.org", "notify": False}
    )
    assert award.status_code == 201, award.body
    baked = send(
        issuer.api, "GET", f"/public/assertions/{award.json['id']}/baked.png", headers={"Accept": "image/png"}
    )
    assert baked.status_code == 200
    assert json.loads(unbake_png(baked.body))["id"] == award.json["public_url"]
    texts = [d for k, d in png_chunks(baked.body) if k in (b"iTXt", b"tEXt", b"zTXt")]
    assert len(texts) == 1 and b"elsewhere.example" not in baked.body


# --- POST /api/v1/verify ----------------------------------------------------------------------------------


def verify(issuer, body: dict):
    return send(issuer.api, "POST", "/api/v1/verify", body)


REFUSED_BAKED = [
    (corpus.bomb_png, "image/png", "This PNG has no Open Badge baked into it."),
    (corpus.many_itxt_png, "image/png", "This PNG has no Open Badge baked into it."),
    (corpus.too_many_chunks_png, "image/png", "PNG has too many chunks"),
    (corpus.huge_itxt_png, "image/png", "What is baked into this image is not a badge"),
    (corpus.itxt_bomb_png, "image/png", "decompresses to more than 2 MB"),
    (corpus.baked_svg_xxe, "image/svg+xml", "not a well-formed SVG without DTD"),
    (corpus.baked_svg_billion_laughs, "image/svg+xml", "not a well-formed SVG without DTD"),
]


@pytest.mark.parametrize(
    ("build", "kind", "detail"), REFUSED_BAKED, ids=lambda v: getattr(v, "__name__", None)
)
def test_hostile_baked_image_is_an_input_error(issuer, before, build, kind, detail):
    r = verify(issuer, {"image": corpus.data_uri(build(), kind)})
    assert_problem(r, 422, detail, ["image"])
    assert store_snapshot() == before


def test_baked_svg_with_script_is_only_read(issuer, before):
    r = verify(issuer, {"image": corpus.data_uri(corpus.baked_svg_script(), "image/svg+xml")})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    assert r.json["verdict"] == "invalid"
    assert store_snapshot() == before


@pytest.mark.parametrize(
    ("document", "sentence"),
    [
        (corpus.deep_credential, "nested more than 20 levels deep"),
        (corpus.wide_credential, "more than 500 JSON objects"),
        (corpus.scoped_context_credential, "@context definitions hold more than 200 values"),
        (corpus.huge_proof_value_credential, "The proof does not match"),
        (corpus.huge_did_key_credential, "is not an Ed25519 Multikey"),
        (corpus.poison_credential, "too complex to verify (poison dataset)"),
        (corpus.merge_bomb_credential, "too complex to verify (poison dataset)"),
        (corpus.same_id_merge_bomb_credential, "too complex to verify (poison dataset)"),
    ],
)
def test_credential_too_costly_to_canonicalise_is_reported_at_once(issuer, before, document, sentence):
    r = verify(issuer, {"json": json.dumps(document())})
    assert r.status_code == 200, r.body
    [signature] = [c for c in r.json["checks"] if c["id"] == "signature-valid"]
    assert signature["passed"] is False and sentence in signature["sentence"], signature
    assert store_snapshot() == before


def test_large_legitimate_credential_verifies(issuer, before):
    document = corpus.large_legitimate_credential(bytes(range(32)))
    r = verify(issuer, {"json": json.dumps(document)})
    assert r.status_code == 200, r.body
    assert r.json["verdict"] == "valid", r.json
    assert store_snapshot() == before


def test_baked_json_nested_100000_deep_is_reported_not_crashed(issuer, before):
    png = corpus.baked_png(corpus.deeply_nested_json(opener="{").decode())
    r = verify(issuer, {"image": corpus.data_uri(png)})
    assert r.status_code == 200 and r.json["verdict"] == "invalid"
    assert "nested too deeply" in r.json["sentence"]
    assert store_snapshot() == before


# --- bulk CSV --------------------------------------------------------------------------------------------


def bulk_csv(issuer, badge: dict, data: bytes):
    return send(issuer.api, "POST", awards_path(badge) + "/bulk", raw=data, headers=CSV)


NUL_ROW = {"row": 1, "field": "recipient_name", "detail": "must not contain U+0000 (a control character)"}
CELL = "a cell is longer than 128 kB (is a quote left open?)"


@pytest.mark.parametrize(
    ("build", "status", "detail", "errors"),
    [
        (lambda: corpus.huge_csv(10 * 1_048_576), 413, "larger than 10240 KB", None),
        (lambda: corpus.many_rows_csv(10_001), 422, "At most 10000 rows", None),
        (corpus.huge_cell_csv, 422, f"row 1: {CELL}", [{"row": 1, "field": "", "detail": CELL}]),
        (corpus.unterminated_quote_csv, 422, f"row 1: {CELL}", [{"row": 1, "field": "", "detail": CELL}]),
        (corpus.latin1_csv, 422, "not UTF-8 text: line 2 has the byte 0xEB", None),
        (corpus.nul_csv, 422, "No row is valid", [NUL_ROW]),
    ],
    ids=["over-10-MB", "over-10000-rows", "huge-cell", "open-quote", "latin-1", "nul"],
)
def test_hostile_csv_is_refused_and_nothing_is_written(
    issuer, badge_class, before, build, status, detail, errors
):
    problem = assert_problem(bulk_csv(issuer, badge_class, build()), status, detail)
    if errors is not None:
        assert problem["errors"] == errors
    assert store_snapshot() == before


def test_csv_with_bare_cr_line_endings_is_read(issuer, badge_class):
    r = bulk_csv(issuer, badge_class, corpus.cr_only_csv())
    assert r.status_code == 202, r.body
    assert (r.json["total"], r.json["failed"]) == (2, 0)


def test_formula_names_are_kept_as_data_and_no_csv_is_ever_served(client, issuer, badge_class):
    from tests.support.imports import make_account, signed_in

    r = bulk_csv(issuer, badge_class, corpus.formula_csv())
    assert r.status_code == 202 and r.json["failed"] == 0, r.body
    drain_queue()
    listed = send(issuer.api, "GET", "/api/v1/assertions").json["items"]
    # Names are data: JSON carries them exactly, and nothing we serve is a spreadsheet that would run them.
    assert sorted(a["recipient_name"] for a in listed) == sorted(corpus.FORMULAS)
    job = send(issuer.api, "GET", r.json["status_url"])
    assert job.status_code == 200 and sorted(x["row"] for x in job.json["results"]) == [1, 2, 3, 4]
    browser = signed_in(client, make_account("formula0@example.org"))
    export = timed(
        client.http.get, "/backpack/export", headers=browser._headers({"Accept": "application/zip"})
    )
    assert export.status_code == 200, export.body[:300]
    names = zipfile.ZipFile(io.BytesIO(export.body)).namelist()
    assert names and not [n for n in names if n.endswith((".csv", ".tsv", ".xls", ".xlsx"))], names


# --- JSON bodies -----------------------------------------------------------------------------------------

MALFORMED_JSON = [
    (corpus.deeply_nested_json(), 400, "nested too deeply"),
    (corpus.deeply_nested_json(opener="{"), 400, "nested too deeply"),
    (corpus.DUPLICATE_KEYS, 400, 'the key "recipient_email" appears twice in one object'),
    (corpus.NAN_VALUES[0], 400, "NaN is not a JSON number"),
    (corpus.NAN_VALUES[1], 400, "Infinity is not a JSON number"),
    (corpus.HUGE_NUMBER, 400, "a number has more than 100 digits"),
    (corpus.HUGE_FLOAT, 400, "the number 1e999999 is too large"),
]


@pytest.mark.parametrize(
    ("raw", "status", "detail"),
    MALFORMED_JSON,
    ids=["100000-arrays", "100000-objects", "duplicate-key", "nan", "infinity", "5000-digits", "1e999999"],
)
def test_malformed_json_is_400_at_every_json_entry_point(issuer, badge_class, before, raw, status, detail):
    for method, path in [
        ("POST", awards_path(badge_class)),
        ("POST", awards_path(badge_class) + "/bulk"),
        ("POST", "/api/v1/badgeclasses"),
        ("PATCH", "/api/v1/issuer"),
        ("POST", "/api/v1/verify"),
    ]:
        assert_problem(send(issuer.api, method, path, raw=raw), status, detail)
    assert store_snapshot() == before


def test_json_over_a_megabyte_is_413(issuer, badge_class, before):
    r = send(issuer.api, "POST", awards_path(badge_class), raw=corpus.big_json_body())
    assert_problem(r, 413, "larger than 1024 KB")
    assert store_snapshot() == before


@pytest.mark.parametrize(
    ("raw", "field", "detail"),
    [
        (corpus.LONE_SURROGATE, "recipient_name", "must not contain U+D800 (an unpaired surrogate)"),
        (
            b'{"recipient_email": "a@example.org", "recipient_name": "A\\u0000da"}',
            "recipient_name",
            "must not contain U+0000 (a control character)",
        ),
        (
            b'{"recipient_email": "a@example.org", "narrative": "ok \\uffff"}',
            "narrative",
            "must not contain U+FFFF (a noncharacter)",
        ),
        (
            b'{"recipient_email": "a@example.org", "issued_on": "0001-01-01T00:00:00+01:00"}',
            "issued_on",
            "must be an ISO 8601 date",
        ),
        (
            b'{"recipient_email": "a@example.org", "evidence": [{"narrative": "\\udfff"}]}',
            "evidence[0].narrative",
            "U+DFFF",
        ),
    ],
    ids=["surrogate", "nul", "noncharacter", "before-year-1", "surrogate-in-evidence"],
)
def test_text_no_page_or_baked_image_could_carry_is_422(issuer, badge_class, before, raw, field, detail):
    r = send(issuer.api, "POST", awards_path(badge_class), raw=raw)
    problem = assert_problem(r, 422, detail)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert store_snapshot() == before


def test_badge_class_tags_with_control_characters_are_422(issuer, before):
    body = {**BADGE, "image": corpus.data_uri(corpus.small_png()), "tags": ["ok", "bell\u0007"]}
    assert_problem(send(issuer.api, "POST", "/api/v1/badgeclasses", body), 422, "U+0007", ["tags"])
    assert store_snapshot() == before


# --- email addresses -------------------------------------------------------------------------------------


@pytest.fixture
def our_web(client, monkeypatch):
    """The verifier's fetches of https://badges.example go to the app itself, in process."""
    from urllib.parse import urlsplit

    from chalicelib.services.verification import fetching

    def fetch(url: str):
        parts = urlsplit(url)
        assert parts.hostname == "badges.example", url
        r = client.http.get(parts.path, headers={"Accept": "application/ld+json"})
        return r.status_code, r.headers.get("content-type", ""), r.body

    monkeypatch.setattr(fetching, "fetcher", lambda: fetch)


@pytest.mark.parametrize("spellings", corpus.EQUIVALENT_EMAILS, ids=lambda s: s[0])
def test_equivalent_spellings_of_an_address_are_one_recipient(issuer, badge_class, our_web, spellings):
    from urllib.parse import quote

    first = send(
        issuer.api, "POST", awards_path(badge_class), {"recipient_email": spellings[0], "notify": False}
    )
    assert first.status_code == 201, first.body
    canonical = first.json["recipient_email"]
    assert canonical == spellings[0].strip().lower()
    hosted = send(issuer.api, "GET", f"/public/assertions/{first.json['id']}").json
    recipient = hosted["recipient"]
    assert recipient["identity"] == "sha256$" + sha256((canonical + recipient["salt"]).encode()).hexdigest()
    before = store_snapshot()
    for other in spellings[1:]:
        again = send(
            issuer.api, "POST", awards_path(badge_class), {"recipient_email": other, "notify": False}
        )
        assert_problem(again, 409)
        found = send(issuer.api, "GET", "/api/v1/assertions?recipient_email=" + quote(other.strip()))
        assert [a["id"] for a in found.json["items"]] == [first.json["id"]], other
    assert store_snapshot() == before
    checked = verify(issuer, {"url": first.json["public_url"], "expected_email": spellings[-1]})
    assert checked.status_code == 200
    [match] = [c for c in checked.json["checks"] if c["id"] == "recipient-matches"]
    assert match["passed"] is True, checked.json


@pytest.mark.parametrize(
    "email", corpus.INVALID_EMAILS, ids=lambda e: e.encode("unicode_escape")[:30].decode()
)
def test_invalid_address_is_422(issuer, badge_class, before, email):
    r = send(issuer.api, "POST", awards_path(badge_class), {"recipient_email": email})
    problem = assert_problem(r, 422, "recipient_email")
    assert {e["field"] for e in problem["errors"]} == {"recipient_email"}
    assert store_snapshot() == before


# --- backpack import page ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "kind", "sentence"),
    [
        (corpus.bomb_png, "image/png", "no Open Badge baked into it"),
        (corpus.itxt_bomb_png, "image/png", "decompresses to more than 2 MB"),
        (corpus.too_many_chunks_png, "image/png", "too many chunks"),
        (corpus.baked_svg_xxe, "image/svg+xml", "not a well-formed SVG without DTD"),
    ],
    ids=["bomb", "itxt-bomb", "chunks", "xxe"],
)
def test_hostile_image_import_shows_the_form_with_the_reason(client, before, build, kind, sentence):
    from tests.support.imports import import_objects, make_account, signed_in, stored_imports

    account = make_account("ada@example.org")
    browser = signed_in(client, account)
    token = browser.csrf("/backpack/import")
    body, headers = multipart({"csrf_token": token, "url": ""}, build(), kind)
    r = timed(client.http.post, "/backpack/import", headers=browser._headers(headers), body=body)
    assert r.status_code == 422, r.body[:300]
    page = text_of(r)
    assert 'id="image-error"' in page and sentence in page
    assert stored_imports(account) == [] and import_objects() == []


def test_foreign_badge_name_with_a_lone_surrogate_imports_and_exports_clean(client):
    from chalicelib.services.backpack import export, imports
    from tests.support import verifying as fake
    from tests.support.imports import make_account

    web = fake.Web()
    web.put(
        fake.ISSUER,
        {
            **fake.ob2.profile(
                id=fake.ISSUER, name="Open \ud800 Skills", url=fake.SITE, email="b@skills.example"
            )
        },
    )
    web.put(
        fake.BADGE,
        fake.ob2.badge_class(
            id=fake.BADGE,
            issuer=fake.ISSUER,
            name="Data \udfff Literacy\x07",
            description="Reads data.",
            image=f"{fake.BADGE}/image.png",
            criteria_narrative="Pass.",
        ),
    )
    assertion = fake.hosted_assertion()
    del assertion["expires"]  # the fake's date would one day make it an expired badge instead
    web.put(fake.ASSERTION, assertion)
    account = make_account(fake.ADA)
    done = timed(imports.import_badge, account, url=fake.ASSERTION, fetch=web, store=current())
    assert done.created and done.item.name == "Data  Literacy" and done.item.issuer_name == "Open  Skills"
    readme = (
        zipfile.ZipFile(io.BytesIO(export.build(account, store=current()))).read("README.txt").decode("utf-8")
    )
    assert "Data  Literacy — Open  Skills (imported)" in readme


def test_hostile_inputs_are_built_in_memory_not_committed():
    """The corpus is code: the largest input it builds is still a small file until something inflates it."""
    assert len(corpus.bomb_png()) < 2_000 and len(corpus.itxt_bomb_png()) < 200_000
    assert base64.b64decode(corpus.data_uri(corpus.small_png()).split(",")[1]).startswith(b"\x89PNG")
