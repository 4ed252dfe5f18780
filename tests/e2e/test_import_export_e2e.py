"""Backpack import and export over HTTP: a signed-in earner imports by URL and baked image, exports a zip."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import requests

from chalicelib.openbadges.baking import unbake_png
from tests.support.earners import Earner, activated, address, csrf_token
from tests.support.issuing import IssuerApi


@pytest.fixture(scope="module")
def award_to(live, make_issuer):
    """award_to(email, notify=True) → the new assertion of one badge class of a fresh issuer."""
    if "FETCH_ALLOW_LOOPBACK_PORTS" not in live.env:
        pytest.fail("the local stack must allow fetching its own badges (FETCH_ALLOW_LOOPBACK_PORTS)")
    issuer = make_issuer(name="Import Academy", url="https://import.example", email="b@import.example")
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(
        name="Portable Skills", description="Travels well.", criteria_narrative="Carry it anywhere."
    )

    def award(email: str, notify: bool = True) -> dict:
        return api.award(badge["id"], email, notify=notify, allow_duplicate=True)

    award.revoke = lambda assertion_id: api.revoke(assertion_id, "Awarded in error")
    return award


def import_form(earner: Earner, **fields) -> requests.Response:
    page = earner.get("/backpack/import")
    assert page.status_code == 200, page.text
    return earner.post("/backpack/import", {"csrf_token": csrf_token(page.text), **fields})


def test_import_by_url_and_baked_image_then_export(live, award_to):
    earner = activated(live, award_to, "imp")
    by_url, baked = award_to(earner.email, notify=False), award_to(earner.email, notify=False)

    r = import_form(earner, url=by_url["public_url"])
    assert r.status_code == 303 and r.headers["Location"].endswith("?new=1"), r.text
    view = earner.get(r.headers["Location"])
    assert view.status_code == 200 and 'id="imported-mark"' in view.text
    assert 'data-verdict="valid"' in view.text and "Portable Skills" in view.text
    again = import_form(earner, url=by_url["public_url"])
    assert again.status_code == 303 and again.headers["Location"].endswith("?already=1")

    image = requests.get(baked["public_url"] + "/baked.png", timeout=30).content
    page = earner.get("/backpack/import")
    r = earner.http.post(
        live.base_url + "/backpack/import",
        data={"csrf_token": csrf_token(page.text)},
        files={"image": ("badge.png", image, "image/png")},
        allow_redirects=False,
        timeout=60,
    )
    assert r.status_code == 303, r.text
    assert 'data-verdict="valid"' in earner.get(r.headers["Location"]).text

    r = earner.http.get(
        live.base_url + "/backpack/export", headers={"Accept": "application/zip"}, timeout=120
    )
    assert r.status_code == 200, r.text[:500]
    assert r.headers["Content-Type"] == "application/zip"
    assert r.headers["Content-Disposition"] == 'attachment; filename="laurel-badges.zip"'
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    for a in (earner.assertion, by_url, baked):
        folder = f"portable-skills-{a['id']}"
        assert json.loads(unbake_png(archive.read(f"{folder}/ob2/baked.png")))["id"] == a["public_url"]
        ob3 = json.loads(unbake_png(archive.read(f"{folder}/ob3/baked.png"), "openbadgecredential"))
        assert ob3["id"] == f"{live.base_url}/public/credentials/{a['id']}" and ob3["proof"]
        assert json.loads(archive.read(f"{folder}/ob3/credential.json")) == ob3
    imported = [n for n in archive.namelist() if n.startswith("imported/") and n.endswith("badge.json")]
    assert sorted(json.loads(archive.read(n))["id"] for n in imported) == sorted(
        a["public_url"] for a in (by_url, baked)
    )
    assert "README.txt" in archive.namelist()


def test_refusals_and_revocation_seen_on_view(live, award_to):
    earner = activated(live, award_to, "ref")
    someone_else = award_to(address("zed"), notify=False)
    r = import_form(earner, url=someone_else["public_url"])
    assert r.status_code == 403 and 'id="url-error"' in r.text
    assert "not issued to any of your verified" in r.text
    r = import_form(earner, url="http://10.1.2.3/badge.json")
    assert r.status_code == 422 and 'id="url-error"' in r.text and "private" in r.text.lower()
    r = import_form(earner, text="not a badge at all")
    assert r.status_code == 422 and 'id="text-error"' in r.text
    assert earner.post("/backpack/import", {"url": someone_else["public_url"]}).status_code == 403

    mine = award_to(earner.email, notify=False)
    r = import_form(earner, url=mine["public_url"])
    assert r.status_code == 303
    view = r.headers["Location"].split("?")[0]
    assert 'data-verdict="valid"' in earner.get(view).text
    award_to.revoke(mine["id"])  # asserts 200
    page = earner.get(view).text
    assert 'data-verdict="invalid"' in page and 'data-check="not-revoked" data-result="fail"' in page
