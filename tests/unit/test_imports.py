"""Backpack import and export in-process: our own hosted badges fetched through the Chalice test client."""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import urlsplit

import pytest

from chalicelib.store import current
from tests.support.earners import Browser, csrf_token
from tests.support.imports import award, import_objects, make_account, signed_in, stored_imports

ADA = "ada@example.org"
ADA_WORK = "ada@work.example"
EVE = "eve@example.org"


def path_of(url: str) -> str:
    return urlsplit(url).path


def get_bytes(client, path: str, accept: str = "*/*") -> bytes:
    r = client.http.get(path, headers={"Accept": accept})
    assert r.status_code == 200, (path, r.status_code, r.body[:300])
    return r.body


# --- the service ------------------------------------------------------------------------------------


def test_import_by_url_is_verified_and_stored_once(client, issuer, badge_class, web):
    from chalicelib.services.backpack import imports

    account = make_account(ADA)
    a = award(issuer, badge_class)
    done = imports.import_badge(account, url=a["public_url"], store=current())
    assert done.created and done.item.matched_email == ADA and done.item.version == "2.0-hosted"
    assert done.item.name == "Data Literacy" and done.item.issuer_name == "Open Skills Consortium"
    assert done.item.badge_id == a["public_url"] and done.item.source == a["public_url"]
    assert json.loads(done.item.document)["id"] == a["public_url"]
    again = imports.import_badge(account, url=a["public_url"], store=current())
    assert not again.created and again.item.digest == done.item.digest
    assert [i.digest for i in stored_imports(account)] == [done.item.digest]
    assert [i.digest for i in imports.list_imported(account, store=current())] == [done.item.digest]


def test_the_same_badge_by_json_and_baked_png_is_one_import(client, issuer, badge_class, web):
    from chalicelib.openbadges.baking import unbake_png
    from chalicelib.services.backpack import imports

    account = make_account(ADA)
    a = award(issuer, badge_class)
    text = get_bytes(client, path_of(a["public_url"]), "application/ld+json").decode()
    by_json = imports.import_badge(account, text=text, store=current())
    assert by_json.created and by_json.item.source_kind == "json" and by_json.item.source == text
    png = get_bytes(client, path_of(a["public_url"]) + "/baked.png", "image/png")
    assert json.loads(unbake_png(png))["id"] == a["public_url"]
    by_png = imports.import_badge(account, image=png, store=current())
    assert not by_png.created and len(stored_imports(account)) == 1
    assert import_objects() == []  # the duplicate's image was not kept


def test_import_by_baked_png_keeps_the_image(client, issuer, badge_class, web):
    from chalicelib.services.backpack import imports

    account = make_account(ADA)
    a = award(issuer, badge_class)
    png = get_bytes(client, path_of(a["public_url"]) + "/baked.png", "image/png")
    done = imports.import_badge(account, image=png, store=current())
    assert done.created and done.item.source_kind == "png"
    assert done.item.source_key == f"imports/{account.id}/{done.item.digest}.png"
    assert imports.source_of(done.item, store=current()) == png
    assert imports.reverify(account, done.item, store=current())["verdict"] == "valid"


def test_import_matches_any_verified_address_never_an_unverified_one(client, issuer, badge_class, web):
    from chalicelib.services.backpack import imports

    account = make_account(ADA, ADA_WORK, unverified=(EVE,))
    a = award(issuer, badge_class, ADA_WORK)
    done = imports.import_badge(account, url=a["public_url"], store=current())
    assert done.item.matched_email == ADA_WORK
    assert web.count(a["public_url"]) == 1  # the second address re-used what the first run fetched
    b = award(issuer, badge_class, EVE)
    with pytest.raises(imports.NotYours) as refused:
        imports.import_badge(account, url=b["public_url"], store=current())
    assert refused.value.status == 403 and refused.value.errors[0]["field"] == "url"
    assert len(stored_imports(account)) == 1


def test_wrong_email_is_refused_and_nothing_is_written(client, issuer, badge_class, web):
    from chalicelib.services.backpack import imports

    account = make_account(ADA)
    a = award(issuer, badge_class, EVE)
    png = get_bytes(client, path_of(a["public_url"]) + "/baked.png", "image/png")
    for given in ({"url": a["public_url"]}, {"image": png}):
        with pytest.raises(imports.NotYours) as refused:
            imports.import_badge(account, **given, store=current())
        assert "not issued to any of your verified" in refused.value.detail
    assert stored_imports(account) == [] and import_objects() == []


def test_tampered_and_invalid_badges_are_refused(client, issuer, badge_class, web):
    from chalicelib.errors import Invalid
    from chalicelib.services.backpack import imports

    account = make_account(ADA)
    a = award(issuer, badge_class)
    credential = json.loads(get_bytes(client, f"/public/credentials/{a['id']}", "application/json"))
    assert imports.import_badge(account, text=json.dumps(credential), store=current()).item.version == "3.0"
    credential["credentialSubject"]["achievement"]["name"] = "Rocket Science"
    with pytest.raises(Invalid) as tampered:
        imports.import_badge(account, text=json.dumps(credential), store=current())
    assert tampered.value.status == 422 and "not valid" in tampered.value.detail
    for given, field in (
        ({"text": "just some words"}, "text"),
        ({"text": '{"hello": "world"}'}, "text"),
        ({"image": b"GIF89a not an image"}, "image"),
        ({"url": "ftp://example.org/badge"}, "url"),
        ({"url": "http://10.0.0.7/badge.json"}, "url"),
        ({"url": "http://169.254.169.254/latest/meta-data/"}, "url"),
    ):
        with pytest.raises(Invalid) as refused:
            imports.import_badge(account, **given, store=current())
        assert refused.value.errors[0]["field"] == field, (given, refused.value.detail)
    assert len(stored_imports(account)) == 1 and import_objects() == []


def test_revoked_since_import_shows_on_view(client, issuer, badge_class, web):
    from chalicelib.services.backpack import imports

    account = make_account(ADA)
    a = award(issuer, badge_class)
    done = imports.import_badge(account, url=a["public_url"], store=current())
    assert imports.reverify(account, done.item, store=current())["verdict"] == "valid"
    r = issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/revoke", {"reason": "Awarded in error"})
    assert r.status_code == 200, r.body
    report = imports.reverify(account, done.item, store=current())
    assert report["verdict"] == "invalid"
    assert {c["id"]: c["passed"] for c in report["checks"]}["not-revoked"] is False


def test_an_account_without_verified_addresses_cannot_import(client, issuer, badge_class, web):
    from chalicelib.errors import Invalid
    from chalicelib.services.backpack import imports

    account = make_account(ADA)
    from chalicelib.store.dynamo.models import AccountEmailItem

    AccountEmailItem.get(account.pk, f"EMAIL#{ADA}").update(actions=[AccountEmailItem.verified.set(False)])
    with pytest.raises(Invalid, match="Verify one of your email addresses"):
        imports.import_badge(account, url=award(issuer, badge_class)["public_url"], store=current())
    assert web == []


# --- the pages --------------------------------------------------------------------------------------


def test_import_pages_need_a_session(client):
    for path in ("/backpack/import", "/backpack/export", "/backpack/imported/" + "0" * 64):
        r = Browser(client).get(path)
        assert r.status_code == 303 and r.headers["Location"].startswith("/login?next=")


def test_import_form_posts_and_shows_the_imported_badge(client, issuer, badge_class, web):
    account = make_account(ADA)
    browser = signed_in(client, account)
    a = award(issuer, badge_class)
    form = browser.get("/backpack/import")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    r = browser.post("/backpack/import", {"csrf_token": csrf_token(form.text), "url": a["public_url"]})
    assert r.status_code == 303 and r.headers["Location"].endswith("?new=1"), r.text
    page = browser.get(r.headers["Location"])
    assert page.status_code == 200 and 'id="imported-mark"' in page.text
    assert 'data-verdict="valid"' in page.text and "Data Literacy" in page.text
    r = browser.post("/backpack/import", {"csrf_token": csrf_token(form.text), "url": a["public_url"]})
    assert r.status_code == 303 and r.headers["Location"].endswith("?already=1"), r.text
    assert len(stored_imports(account)) == 1


def test_refusals_come_back_as_the_form_with_the_error_beside_the_field(client, issuer, badge_class, web):
    account = make_account(ADA)
    browser = signed_in(client, account)
    token = browser.csrf("/backpack/import")
    theirs = award(issuer, badge_class, EVE)
    for form, status, field in (
        ({"url": theirs["public_url"]}, 403, "url"),
        ({"url": "http://127.0.0.1:1/x"}, 422, "url"),
        ({"text": "not a badge"}, 422, "text"),
        ({}, 422, "url"),
    ):
        r = browser.post("/backpack/import", {"csrf_token": token, **form})
        assert r.status_code == status, (form, r.text)
        assert f'id="{field}-error"' in r.text and 'aria-invalid="true"' in r.text
    r = browser.post("/backpack/import", {"url": theirs["public_url"]})
    assert r.status_code == 403
    assert stored_imports(account) == []


def test_multipart_upload_of_a_baked_image(client, issuer, badge_class, web):
    account = make_account(ADA)
    browser = signed_in(client, account)
    token = browser.csrf("/backpack/import")
    a = award(issuer, badge_class)
    png = get_bytes(client, path_of(a["public_url"]) + "/baked.png", "image/png")
    boundary = "----laurel-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="url"\r\n\r\n\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="badge.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + png
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = browser._headers({"Content-Type": f"multipart/form-data; boundary={boundary}"})
    r = client.http.post("/backpack/import", headers=headers, body=body)
    assert r.status_code == 303, r.body[:500]
    [item] = stored_imports(account)
    assert item.source_kind == "png" and item.matched_email == ADA


def test_another_accounts_import_is_404(client, issuer, badge_class, web):
    from chalicelib.services.backpack import imports

    ada, bob = make_account(ADA), make_account("bob@example.org")
    done = imports.import_badge(ada, url=award(issuer, badge_class)["public_url"], store=current())
    assert signed_in(client, bob).get(f"/backpack/imported/{done.item.digest}").status_code == 404
    assert signed_in(client, ada).get("/backpack/imported/nothing").status_code == 404


# --- export -----------------------------------------------------------------------------------------


def test_export_zips_baked_images_and_json_of_every_badge(client, issuer, badge_class, web):
    from chalicelib.openbadges.baking import unbake_png
    from chalicelib.services.backpack import imports

    account = make_account(ADA)
    first, second = award(issuer, badge_class), award(issuer, badge_class)
    revoked = award(issuer, badge_class)
    issuer.api.call("POST", f"/api/v1/assertions/{revoked['id']}/revoke", {"reason": "Oops"})
    other = award(issuer, badge_class)
    imported = imports.import_badge(account, url=other["public_url"], store=current()).item
    browser = signed_in(client, account)
    r = client.http.get("/backpack/export", headers=browser._headers({"Accept": "application/zip"}))
    assert r.status_code == 200, r.body[:300]
    assert r.headers["Content-Type"] == "application/zip"
    assert r.headers["Content-Disposition"] == 'attachment; filename="laurel-badges.zip"'
    archive = zipfile.ZipFile(io.BytesIO(r.body))
    names = archive.namelist()
    assert names[-1] == "README.txt"
    for a in (first, second, other):
        folder = f"data-literacy-{a['id']}"
        assert json.loads(unbake_png(archive.read(f"{folder}/ob2/baked.png")))["id"] == a["public_url"]
        assert json.loads(archive.read(f"{folder}/ob2/assertion.json"))["id"] == a["public_url"]
        ob3 = json.loads(unbake_png(archive.read(f"{folder}/ob3/baked.png"), "openbadgecredential"))
        assert ob3["id"].endswith(f"/public/credentials/{a['id']}") and ob3["proof"]
        assert json.loads(archive.read(f"{folder}/ob3/credential.json"))["id"] == ob3["id"]
    assert not any(revoked["id"] in n for n in names)
    readme = archive.read("README.txt").decode()
    assert "revoked by its issuer" in readme and "(imported)" in readme
    [imported_json] = [n for n in names if n.startswith("imported/") and n.endswith("badge.json")]
    assert json.loads(archive.read(imported_json))["id"] == imported.badge_id


def test_export_is_bounded(client, issuer, badge_class, monkeypatch):
    from chalicelib.services.backpack import export

    account = make_account(ADA)
    for _ in range(3):
        award(issuer, badge_class)
    monkeypatch.setattr(export, "MAX_BADGES", 2)
    archive = zipfile.ZipFile(io.BytesIO(export.build(account, store=current())))
    assert len({n.split("/")[0] for n in archive.namelist() if "/" in n}) == 2
    assert "more than 2 badges in one download" in archive.read("README.txt").decode()
