"""Sharing over HTTP on the live stack: public badge page with OpenGraph tags, profile, embed, oEmbed, QR."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import requests

from tests.support.earners import activated, csrf_token
from tests.support.issuing import IssuerApi

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def badge(live, make_issuer):
    """A badge class whose name tries XSS, and a way to award it."""
    issuer = make_issuer(name=f"{XSS} Institute")
    api = IssuerApi(live.base_url, issuer.key)
    badge_id = api.badge_class(
        name=f"Safe Sharing {XSS}",
        description="Shares badges safely.",
        criteria_narrative="Share **one** badge.",
        expires_after={"amount": 1, "unit": "years"},
    )["id"]
    return lambda email: api.award(badge_id, email)


def test_public_badge_profile_embed_oembed_and_qr(live, badge):
    earner = activated(live, badge, "sharer", first_name=f"{XSS}Sam")
    assertion_id = earner.assertion["id"]
    anyone = requests.Session()
    base = live.base_url

    def public(path: str) -> requests.Response:
        return anyone.get(base + path, headers={"Accept": "text/html"}, timeout=30, allow_redirects=False)

    detail = earner.get(f"/backpack/{assertion_id}")
    assert detail.status_code == 200 and "Make this badge public to share it" in detail.text
    assert XSS not in detail.text and "&lt;script&gt;" in detail.text
    csrf = csrf_token(detail.text)
    assert earner.post(f"/backpack/{assertion_id}/accept", {"csrf_token": csrf}).status_code == 303

    private = public(f"/badges/{assertion_id}")
    assert private.status_code == 404 and "This badge is private" in private.text
    assert "Safe Sharing" not in private.text and "Sam" not in private.text

    r = earner.post(f"/backpack/{assertion_id}/privacy", {"csrf_token": csrf, "public": "1"})
    assert r.status_code == 303
    page = public(f"/badges/{assertion_id}")
    assert page.status_code == 200
    assert 'property="og:title" content="Safe Sharing &lt;script&gt;' in page.text
    assert f'property="og:url" content="{base}/badges/{assertion_id}"' in page.text
    assert f'property="og:image" content="{base}/public/badges/' in page.text
    assert 'name="twitter:card" content="summary_large_image"' in page.text
    oembed_href = f"{base}/oembed?url={quote(f'{base}/badges/{assertion_id}', safe='')}&amp;format=json"
    assert f'<link rel="alternate" type="application/json+oembed" href="{oembed_href}"' in page.text
    assert XSS not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;Sam" in page.text

    r = anyone.get(oembed_href.replace("&amp;", "&"), timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert {"version": "1.0", "type": "rich", "provider_name": "Laurel"}.items() <= body.items()
    assert f'src="{base}/embed/{assertion_id}"' in body["html"] and body["width"] and body["height"]
    assert (
        anyone.get(f"{base}/oembed?url={base}/badges/{assertion_id}&format=xml", timeout=30).status_code
        == 501
    )

    embed = public(f"/embed/{assertion_id}")
    assert embed.status_code == 200 and embed.headers["Content-Security-Policy"].endswith("frame-ancestors *")
    assert "Safe Sharing" in embed.text and XSS not in embed.text

    qr = anyone.get(f"{base}/badges/{assertion_id}/qr.svg", timeout=30)
    assert qr.status_code == 200 and qr.headers["Content-Type"].startswith("image/svg+xml")
    assert "<svg" in qr.text

    # the hosted Open Badges JSON stays anonymous while the badge is public
    hosted = anyone.get(f"{base}/public/assertions/{assertion_id}", headers={"Accept": "application/ld+json"})
    assert hosted.status_code == 200 and hosted.json()["recipient"]["hashed"] is True
    assert earner.email not in hosted.text and "Sam" not in hosted.text and "Lovelace" not in hosted.text

    # profile: private by default, then public at /u/{slug}, listing the public badge
    settings = earner.get("/settings/profile-privacy")
    assert settings.status_code == 200
    slug = f"sam-{assertion_id[:6].lower().replace('_', 'x').replace('-', 'x')}"
    assert public(f"/u/{slug}").status_code == 404
    r = earner.post("/settings/profile-privacy", {"csrf_token": csrf, "public": "1", "slug": slug})
    assert r.status_code == 303, r.text
    profile = public(f"/u/{slug}")
    assert (
        profile.status_code == 200 and f"/badges/{assertion_id}" in profile.text and XSS not in profile.text
    )

    # private again: every public URL hides it
    r = earner.post(f"/backpack/{assertion_id}/privacy", {"csrf_token": csrf, "public": "0"})
    assert r.status_code == 303
    assert "This badge is private" in public(f"/badges/{assertion_id}").text
    assert public(f"/embed/{assertion_id}").status_code == 404
    assert anyone.get(f"{base}/badges/{assertion_id}/qr.svg", timeout=30).status_code == 404
    assert f"/badges/{assertion_id}" not in public(f"/u/{slug}").text
    hosted = anyone.get(f"{base}/public/assertions/{assertion_id}", headers={"Accept": "application/ld+json"})
    assert hosted.status_code == 200 and json.loads(hosted.text)["verification"]["type"] == "hosted"


def test_another_earner_gets_404(live, badge):
    owner = activated(live, badge, "owner")
    other = activated(live, badge, "other")
    assertion_id = owner.assertion["id"]
    assert other.get(f"/backpack/{assertion_id}").status_code == 404
    csrf = other.csrf("/login")
    assert (
        other.post(f"/backpack/{assertion_id}/privacy", {"csrf_token": csrf, "public": "1"}).status_code
        == 404
    )
