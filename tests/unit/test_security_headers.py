"""Security headers on every kind of response, no inline script anywhere, cookie flags, HSTS on https."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.accounts import award, claim_path_for
from tests.support.earners import Browser
from tests.support.inprocess import SVG, data_uri

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "pages"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in (p.strip() for p in policy.split(";")) if d}


def assert_hardened_page(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'", policy
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'", policy
    assert policy["form-action"] == "'self'", policy
    # Scripts may talk only to our origin (passkey ceremonies, the proof-of-work challenge), and the
    # challenge's worker must be our own file: no third party sees a sign-in.
    assert policy["connect-src"] == "'self'" and policy["worker-src"] == "'self'", policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer")
    text = response.body.decode() if isinstance(response.body, bytes) else response.body
    assert not INLINE_SCRIPT.search(text) and not HANDLER.search(text) and not JS_URL.search(text)


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_no_template_has_inline_script_or_event_handlers(template):
    text = (TEMPLATES / template).read_text()
    assert not INLINE_SCRIPT.search(text), "inline <script>: the CSP would block it; use /assets/"
    assert not HANDLER.search(text) and not JS_URL.search(text)


def test_pages_forbid_inline_script_and_framing(activated, client):
    signed_out = Browser(client)
    for path in ("/login", "/verify", "/terms", "/password/forgot", "/claim/nope.nope"):
        assert_hardened_page(signed_out.get(path))
    for path in ("/backpack", "/dashboard", f"/backpack/{activated.assertion_id}", "/settings/emails"):
        page = activated.get(path)
        assert page.status_code == 200, (path, page.text)
        assert_hardened_page(page)


def test_the_share_panel_loads_its_script_from_our_origin(activated, client):
    badge = f"/backpack/{activated.assertion_id}"
    for action, form in (("accept", {}), ("privacy", {"public": "1"})):  # the panel shows on a public badge
        r = activated.post(f"{badge}/{action}", {"csrf_token": activated.csrf(), **form})
        assert r.status_code == 303, r.text
    detail = activated.get(badge)
    assert '<script src="/assets/share.js" defer></script>' in detail.text
    assert_hardened_page(detail)
    script = Browser(client).get("/assets/share.js")
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert "navigator.clipboard" in script.text and script.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["nope.js", "..%2Fapp.py", "share.js.map", "%2e%2e"])
def test_only_listed_assets_are_served(client, name):
    r = Browser(client).get(f"/assets/{name}")
    assert r.status_code == 404 and "application/problem+json" in r.headers["Content-Type"]


def test_pages_whose_url_holds_a_token_send_no_referer(client, issuer, badge_class):
    award(issuer, badge_class, "noor@example.org")
    claim = Browser(client).get(claim_path_for("noor@example.org"))
    assert claim.status_code == 200 and claim.headers["Referrer-Policy"] == "no-referrer"
    assert Browser(client).get("/login").headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_api_answers_run_nothing_and_cannot_be_framed(issuer, badge_class):
    for r in (
        issuer.api.call("GET", "/api/v1/issuer"),
        issuer.api.call("GET", "/api/v1/badgeclasses/nope"),  # a problem+json answer too
        issuer.api.call(
            "GET", f"/public/badges/{badge_class['id']}", headers={"Accept": "application/ld+json"}
        ),
    ):
        assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"


def test_served_svg_runs_no_script_and_loads_nothing(issuer):
    r = issuer.api.call(
        "POST",
        "/api/v1/badgeclasses",
        {
            "name": "Vector",
            "description": "An SVG badge.",
            "criteria_narrative": "Draw.",
            "image": data_uri(SVG.encode(), "image/svg+xml"),
        },
    )
    assert r.status_code == 201, r.body
    served = issuer.api.call("GET", f"/public/badges/{r.json['id']}/image.svg")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/svg+xml"
    policy = directives(served)
    assert policy["default-src"] == "'none'" and "script-src" not in policy
    assert policy["frame-ancestors"] == "'none'"


def test_hsts_only_where_the_public_origin_is_https(client, monkeypatch):
    from chalicelib.config import get_settings

    assert get_settings().public_base_url.startswith("https://")  # the unit tests' stage
    hsts = Browser(client).get("/login").headers["Strict-Transport-Security"]
    assert hsts == "max-age=63072000; includeSubDomains"
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:8000")  # make run's plain-http stage
    get_settings.cache_clear()
    try:
        r = Browser(client).get("/login")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert r.status_code == 200 and "Strict-Transport-Security" not in r.headers


def test_csrf_cookie_is_host_prefixed_and_secure_on_every_stage(client):
    cookie = Browser(client).get("/login").headers["Set-Cookie"]
    assert cookie.startswith("__Host-laurel_csrf=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "; Secure" in cookie and "; Path=/" in cookie and "Domain" not in cookie  # what __Host- needs
