"""Verification over real HTTP: hosted, signed and baked badges via /api/v1/verify and the /verify page."""

from __future__ import annotations

import re

import pytest
import requests

from chalicelib.services.verification.fetching import PRIVATE
from tests.support.earners import loopback_session
from tests.support.issuing import QUIET, IssuerApi, data_uri, png

ADA = "verify-ada@example.org"
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">'
    '<circle cx="60" cy="60" r="55" fill="#1f6f5c"/></svg>'
)


@pytest.fixture(scope="module")
def issuer_api(live, make_issuer):
    if "FETCH_ALLOW_LOOPBACK_PORTS" not in live.env:
        pytest.fail(
            "local/serve.py's stack_env must set FETCH_ALLOW_LOOPBACK_PORTS=str(app_port): "
            "without it the local stage refuses to fetch its own badges (127.0.0.1)."
        )
    issuer = make_issuer(name="Verify Academy", url="https://verify.example", email="b@verify.example")
    api = IssuerApi(live.base_url, issuer.key)
    badges = {
        kind: api.badge_class(
            name=f"Verified {kind.upper()}",
            description="Checks out.",
            image=data_uri(image, mime),
            criteria_narrative="Be verifiable.",
        )
        for kind, image, mime in (("png", png(), "image/png"), ("svg", SVG.encode(), "image/svg+xml"))
    }
    return api, badges


def award(issuer_api, kind: str = "png", email: str = ADA) -> dict:
    api, badges = issuer_api
    return api.award(badges[kind]["id"], email, **QUIET)


def verify(live, **body) -> dict:
    response = requests.post(f"{live.base_url}/api/v1/verify", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def results(report: dict) -> dict:
    return {c["id"]: c["passed"] for c in report["checks"]}


def test_our_hosted_url_is_valid_for_its_recipient(live, issuer_api):
    assertion = award(issuer_api)
    report = verify(live, url=assertion["public_url"], expected_email=ADA)
    assert report["verdict"] == "valid", report
    assert report["version"] == "2.0-hosted"
    assert report["badge"]["name"] == "Verified PNG" and report["badge"]["issuer_name"] == "Verify Academy"


def test_wrong_expected_email_fails_the_recipient_check(live, issuer_api):
    assertion = award(issuer_api)
    report = verify(live, url=assertion["public_url"], expected_email="eve@example.org")
    assert report["verdict"] == "invalid"
    assert results(report)["recipient-matches"] is False
    assert [c for c in results(report).values() if c is False] == [False]


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_baked_images_uploaded_are_valid(live, issuer_api, kind):
    assertion = award(issuer_api, kind)
    baked = requests.get(f"{assertion['public_url']}/baked.{kind}", timeout=30)
    assert baked.status_code == 200
    mime = "image/png" if kind == "png" else "image/svg+xml"
    report = verify(live, image=data_uri(baked.content, mime), expected_email=ADA)
    assert report["verdict"] == "valid", report


def test_signed_jws_is_valid_and_revocation_is_seen(live, issuer_api):
    api, _ = issuer_api
    assert api.patch("/issuer", {"signing": True})["signing"] is True
    assertion = award(issuer_api)
    jws = requests.get(f"{assertion['public_url']}/signed", timeout=30).text
    report = verify(live, jws=jws, expected_email=ADA)
    assert report["verdict"] == "valid", report
    assert report["version"] == "2.0-signed"
    api.revoke(assertion["id"], "Oops")
    report = verify(live, jws=jws)
    assert report["verdict"] == "invalid" and results(report)["not-revoked"] is False


def test_revoked_hosted_badge_is_invalid(live, issuer_api):
    api, _ = issuer_api
    assertion = award(issuer_api)
    api.revoke(assertion["id"], "Fraud")
    report = verify(live, url=assertion["public_url"])
    assert report["verdict"] == "invalid" and results(report)["not-revoked"] is False
    assert "Fraud" in report["sentence"]


@pytest.mark.parametrize("url", ["http://10.0.0.1/badge.json", "http://169.254.169.254/latest/meta-data/"])
def test_private_addresses_are_refused(live, url):
    response = requests.post(f"{live.base_url}/api/v1/verify", json={"url": url}, timeout=30)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == PRIVATE
    assert response.json()["errors"] == [{"field": "url", "detail": PRIVATE}]


def _form_token(browser: requests.Session, live) -> str:
    page = browser.get(f"{live.base_url}/verify", timeout=30)
    assert page.status_code == 200 and 'id="url"' in page.text
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_verify_page_renders_and_requires_the_csrf_token(live, issuer_api):
    assertion = award(issuer_api)
    browser = loopback_session()
    token = _form_token(browser, live)
    assert "__Host-laurel_csrf" in browser.cookies
    refused = browser.post(f"{live.base_url}/verify", data={"url": assertion["public_url"]}, timeout=30)
    assert refused.status_code == 403 and "<form" in refused.text
    fields = {"csrf_token": token, "url": assertion["public_url"], "expected_email": ADA}
    page = browser.post(f"{live.base_url}/verify", data=fields, timeout=60)
    assert page.status_code == 200, page.text
    assert re.search(r'id="verdict"[^>]*data-verdict="valid"', page.text)
    assert 'data-check="hosted-on-issuer-origin" data-result="pass"' in page.text


def test_verify_page_takes_an_upload_and_explains_a_refusal(live, issuer_api):
    assertion = award(issuer_api, "svg")
    baked = requests.get(f"{assertion['public_url']}/baked.svg", timeout=30).content
    browser = loopback_session()
    token = _form_token(browser, live)
    page = browser.post(
        f"{live.base_url}/verify",
        data={"csrf_token": token, "expected_email": "eve@example.org"},
        files={"image": ("badge.svg", baked, "image/svg+xml")},
        timeout=60,
    )
    assert page.status_code == 200, page.text
    assert 'data-verdict="invalid"' in page.text
    assert 'data-check="recipient-matches" data-result="fail"' in page.text
    refused = browser.post(
        f"{live.base_url}/verify", data={"csrf_token": token, "url": "http://10.0.0.1/x"}, timeout=30
    )
    assert refused.status_code == 422
    assert 'id="url-error"' in refused.text and "private network" in refused.text
