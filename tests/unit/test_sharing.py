"""Sharing and privacy in-process: exact share URLs, oEmbed, QR, privacy rules, escaping, hosted JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.services.backpack import sharing
from tests.support.earners import Browser, csrf_token
from tests.support.sharing import award, make_earner, make_public

BASE = "https://badges.example"  # PUBLIC_BASE_URL in tests/conftest.py


def shared(**overrides) -> sharing.Shared:
    values = {
        "assertion_id": "abc_123",
        "name": "Data & Ethics: Level 1",
        "description": "Reads data.",
        "issuer_name": "Open Skills Consortium",
        "issued_on": datetime(2024, 1, 15, tzinfo=UTC),
        "expires": None,
        "image_url": f"{BASE}/public/badges/b1/image.png",
    }
    return sharing.Shared(**{**values, **overrides})


# --- share links, exactly ----------------------------------------------------------------------


def test_linkedin_add_to_profile_january_without_expiry():
    url = sharing.LinkedInAddToProfile().url(shared())
    assert url == (
        "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME"
        "&name=Data%20%26%20Ethics%3A%20Level%201&organizationName=Open%20Skills%20Consortium"
        "&issueYear=2024&issueMonth=1"
        "&certUrl=https%3A%2F%2Fbadges.example%2Fbadges%2Fabc_123&certId=abc_123"
    )


def test_linkedin_add_to_profile_december_with_expiry():
    badge = shared(
        issued_on=datetime(2023, 12, 31, 23, 0, tzinfo=UTC), expires=datetime(2026, 12, 1, tzinfo=UTC)
    )
    query = parse_qs(urlsplit(sharing.LinkedInAddToProfile().url(badge)).query)
    assert query["issueYear"] == ["2023"] and query["issueMonth"] == ["12"]
    assert query["expirationYear"] == ["2026"] and query["expirationMonth"] == ["12"]
    assert query["name"] == ["Data & Ethics: Level 1"] and query["certId"] == ["abc_123"]


def test_social_and_mail_links():
    badge = shared()
    page = "https%3A%2F%2Fbadges.example%2Fbadges%2Fabc_123"
    assert sharing.LinkedInShare().url(badge) == f"https://www.linkedin.com/sharing/share-offsite/?url={page}"
    assert sharing.FacebookShare().url(badge) == f"https://www.facebook.com/sharer/sharer.php?u={page}"
    x = sharing.XShare().url(badge)
    assert x.startswith("https://twitter.com/intent/tweet?text=I%20earned%20the%20Data%20%26%20Ethics")
    assert x.endswith(f"&url={page}")
    mail = sharing.EmailShare().url(badge)
    assert mail.startswith("mailto:?subject=My%20Data%20%26%20Ethics%3A%20Level%201%20badge&body=")
    body = parse_qs(urlsplit(mail).query)["body"][0]
    assert f"{BASE}/badges/abc_123" in body and "+" not in mail


def test_snippets_escape_and_size():
    badge = shared(name='<script>alert("x")</script>')
    embed = sharing.EmbedSnippet().html(badge)
    assert embed.startswith(f'<iframe src="{BASE}/embed/abc_123" width="360" height="180"')
    assert "<script>" not in embed and "&lt;script&gt;" in embed
    signature = sharing.SignatureSnippet().html(badge)
    assert f'href="{BASE}/badges/abc_123"' in signature and 'src="' + badge.image_url in signature
    assert "<script>" not in signature


def test_registry_is_one_class_per_target():
    assert list(sharing.LINKS) == ["linkedin-profile", "linkedin", "x", "facebook", "email"]
    assert list(sharing.SNIPPETS) == ["embed", "signature"]


def test_oembed_shape_and_urls():
    body = sharing.oembed(shared(), maxwidth=300)
    assert body["version"] == "1.0" and body["type"] == "rich" and body["provider_name"] == "Laurel"
    assert body["width"] == 300 and body["height"] == 180 and 'width="300"' in body["html"]
    assert body["title"] == "Data & Ethics: Level 1 — Open Skills Consortium"
    assert sharing.badge_id_from_url(f"{BASE}/badges/abc_123") == "abc_123"
    assert sharing.badge_id_from_url(f"{BASE}/embed/abc_123?x=1") == "abc_123"
    assert sharing.badge_id_from_url("https://evil.example/badges/abc_123") is None
    assert sharing.badge_id_from_url(f"{BASE}/badges/a/b") is None


def test_qr_is_svg():
    svg = sharing.qr_svg(f"{BASE}/badges/abc")
    assert svg.startswith("<?xml") and "<svg" in svg and "http://www.w3.org/2000/svg" in svg


# --- privacy over the in-process app ---------------------------------------------------------------


@pytest.fixture
def owned(client, issuer, badge_class):
    """Ada, signed in, with one accepted badge (evidence and narrative included)."""
    ada = make_earner(client, "ada@example.org", first="<script>alert(1)</script>Ada")
    ada.assertion_id = award(
        issuer,
        badge_class["id"],
        "ada@example.org",
        narrative="Built a *dashboard*.",
        evidence=[{"url": "https://evidence.example/1", "narrative": "The report"}],
    )
    r = ada.post(f"/backpack/{ada.assertion_id}/accept", {"csrf_token": ada.csrf()})
    assert r.status_code == 303
    return ada


def test_badge_detail_shows_everything_and_no_share_panel_while_private(owned):
    page = owned.get(f"/backpack/{owned.assertion_id}")
    assert page.status_code == 200
    text = page.text
    for expected in (
        "Data Literacy",
        "Reads and questions data.",
        "<strong>data</strong>",  # criteria markdown
        "statistics",
        "ESCO data skills",
        "Open Skills Consortium",
        "https://evidence.example/1",
        "<em>dashboard</em>",
        "Accepted",
        f"/public/assertions/{owned.assertion_id}/baked.png",
        f"/public/credentials/{owned.assertion_id}/baked.png",
        "Make this badge public to share it",
    ):
        assert expected in text, expected
    assert "linkedin.com" not in text


def test_badge_page_private_by_default_then_public_with_og_tags(owned, client):
    anyone = Browser(client)
    r = anyone.get(f"/badges/{owned.assertion_id}")
    assert r.status_code == 404 and "This badge is private" in r.text and "Data Literacy" not in r.text
    assert "Lovelace" not in r.text
    assert make_public(owned, owned.assertion_id).status_code == 303
    detail = owned.get(f"/backpack/{owned.assertion_id}").text
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in detail
    assert "issueMonth=" in detail and "expirationYear=" in detail  # this badge class expires
    r = anyone.get(f"/badges/{owned.assertion_id}")
    assert r.status_code == 200
    assert '<meta property="og:title" content="Data Literacy — issued by Open Skills Consortium">' in r.text
    assert (
        'property="og:image" content="http' in r.text
        and 'name="twitter:card" content="summary_large_image"' in r.text
    )
    assert 'type="application/json+oembed" href="' in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Ada Lovelace" in r.text and "<script>alert(1)" not in r.text


def test_private_again_hides_it_everywhere(owned, client):
    make_public(owned, owned.assertion_id)
    make_public(owned, owned.assertion_id, public=False)
    anyone = Browser(client)
    assert anyone.get(f"/badges/{owned.assertion_id}").status_code == 404
    assert anyone.get(f"/badges/{owned.assertion_id}/qr.svg").status_code == 404
    embed = anyone.get(f"/embed/{owned.assertion_id}")
    assert embed.status_code == 404 and "Data Literacy" not in embed.text
    url = f"{BASE}/badges/{owned.assertion_id}"
    assert anyone.get(f"/oembed?url={url}").status_code == 404


def test_another_earner_cannot_see_or_change_the_badge(owned, client):
    eve = make_earner(client, "eve@example.org", first="Eve")
    assert eve.get(f"/backpack/{owned.assertion_id}").status_code == 404
    assert make_public(eve, owned.assertion_id).status_code == 404
    assert Browser(client).get(f"/badges/{owned.assertion_id}").status_code == 404


def test_pending_badge_cannot_be_made_public(client, issuer, badge_class):
    bo = make_earner(client, "bo@example.org")
    assertion_id = award(issuer, badge_class["id"], "bo@example.org")
    assert make_public(bo, assertion_id).status_code == 409


def test_privacy_form_needs_csrf(owned):
    r = owned.post(f"/backpack/{owned.assertion_id}/privacy", {"public": "1"})
    assert r.status_code == 403


def test_signed_out_detail_redirects_to_login(owned, client):
    r = Browser(client).get(f"/backpack/{owned.assertion_id}")
    assert r.status_code == 303 and r.headers["Location"].startswith("/login?next=/backpack/")


def test_embed_oembed_and_qr_of_a_public_badge(owned, client):
    make_public(owned, owned.assertion_id)
    anyone = Browser(client)
    embed = anyone.get(f"/embed/{owned.assertion_id}")
    assert embed.status_code == 200 and embed.headers["Content-Security-Policy"].endswith("frame-ancestors *")
    assert "X-Frame-Options" not in embed.headers
    page = anyone.get(f"/badges/{owned.assertion_id}").headers
    assert page["Content-Security-Policy"].endswith("frame-ancestors 'none'")
    assert page["X-Frame-Options"] == "DENY"
    url = f"{BASE}/badges/{owned.assertion_id}"
    r = anyone.get(f"/oembed?url={url}&format=json&maxwidth=200")
    assert r.status_code == 200, r.text
    body = json.loads(r.text)
    assert body["type"] == "rich" and body["width"] == 200 and f'src="{BASE}/embed/' in body["html"]
    assert anyone.get(f"/oembed?url={url}&format=xml").status_code == 501
    assert anyone.get(f"/oembed?url={BASE}/badges/nope").status_code == 404
    qr = anyone.get(f"/badges/{owned.assertion_id}/qr.svg")
    assert qr.status_code == 200 and qr.headers["Content-Type"] == "image/svg+xml" and "<svg" in qr.text


def test_profile_private_by_default_then_public_lists_public_badges(owned, client):
    anyone = Browser(client)
    page = owned.get("/settings/profile-privacy")
    assert page.status_code == 200
    form = {"csrf_token": csrf_token(page.text), "public": "1", "slug": "ada-l"}
    r = owned.post("/settings/profile-privacy", form)
    assert r.status_code == 303
    profile = anyone.get("/u/ada-l")
    assert profile.status_code == 200 and "No public badges yet" in profile.text
    assert "<script>alert(1)" not in profile.text
    make_public(owned, owned.assertion_id)
    assert "Data Literacy" in anyone.get("/u/ada-l").text
    r = owned.post("/settings/profile-privacy", {**form, "public": "0"})
    assert anyone.get("/u/ada-l").status_code == 404
    assert anyone.get("/u/nobody-here").status_code == 404


def test_slug_rules_and_uniqueness(owned, client):
    eve = make_earner(client, "eve@example.org", first="Eve")
    csrf = csrf_token(owned.get("/settings/profile-privacy").text)
    assert (
        owned.post(
            "/settings/profile-privacy", {"csrf_token": csrf, "public": "1", "slug": "ada"}
        ).status_code
        == 303
    )
    for bad in ("a", "-ada", "Ada Lovelace", "api", "x" * 41):
        r = owned.post("/settings/profile-privacy", {"csrf_token": csrf, "public": "1", "slug": bad})
        assert r.status_code == 422 and 'id="slug-error"' in r.text, bad
    csrf_eve = csrf_token(eve.get("/settings/profile-privacy").text)
    r = eve.post("/settings/profile-privacy", {"csrf_token": csrf_eve, "public": "1", "slug": "ada"})
    assert r.status_code == 422 and "taken" in r.text
    # renaming frees the old slug
    owned.post("/settings/profile-privacy", {"csrf_token": csrf, "public": "1", "slug": "ada-two"})
    r = eve.post("/settings/profile-privacy", {"csrf_token": csrf_eve, "public": "1", "slug": "ada"})
    assert r.status_code == 303
    assert "Eve" in Browser(client).get("/u/ada").text


def test_hosted_json_never_names_the_earner(owned, client, issuer, badge_class):
    make_public(owned, owned.assertion_id)
    named = award(issuer, badge_class["id"], "named@example.org", recipient_name="Named <b>Person</b>")
    for assertion_id in (owned.assertion_id, named):
        r = client.http.get(f"/public/assertions/{assertion_id}", headers={"Accept": "application/ld+json"})
        assert r.status_code == 200
        text = r.body.decode()
        document = json.loads(text)
        assert document["recipient"]["hashed"] is True and document["verification"]["type"] == "hosted"
        for secret in ("ada@example.org", "named@example.org", "Lovelace", "Named", "Person"):
            assert secret not in text
