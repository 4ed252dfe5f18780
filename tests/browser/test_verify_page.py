"""The verify page in Chromium, used like a person would: paste an address, JSON or a JWS, or upload a
baked PNG/SVG, optionally type the expected email, press Verify, and read the verdict and each check.

Covers our hosted 2.0, signed 2.0 and 3.0 badges (and a baked PNG and SVG of each), an expired and a
revoked award, a right and a wrong expected email, tampered signed badges, and addresses in a private
network (refused next to the URL field, before any connection). Issuers, badge classes and awards are
made once for the module; one browser context (one CSRF cookie) serves every test."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from chalicelib.services.verification.fetching import PRIVATE
from tests.support.issuing import QUIET, IssuerApi, data_uri, png
from tests.support.pages import (
    DESKTOP,
    TIMEOUT_MS,
    assert_images_loaded,
    assert_no_overflow,
    check_page,
    shoot,
)

ADA = "ada.verify@example.org"
EVE = "eve@example.org"
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">'
    '<circle cx="60" cy="60" r="55" fill="#1f6f5c"/></svg>'
)
ALL_PASS = {"parsed", "issuer-found", "recipient-matches", "not-expired", "not-revoked"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Badges:
    """Everything the tests verify, made once: URLs, pasted texts and baked images (name → bytes)."""

    hosted_url: str  # 2.0 hosted, issued to ADA
    credential_url: str  # 3.0, issued to ADA
    credential_json: str
    jws: str  # 2.0 signed, issued to ADA
    baked: dict[str, bytes]  # "2.0.png", "2.0.svg", "3.0.png", "3.0.svg"
    expired_url: str
    revoked_url: str
    revoked_credential_url: str


@pytest.fixture(scope="module")
def badges(live, make_issuer) -> Badges:
    if "FETCH_ALLOW_LOOPBACK_PORTS" not in live.env:
        pytest.fail("the local stack must set FETCH_ALLOW_LOOPBACK_PORTS so /verify can fetch our badges")
    hosted = make_issuer(name="Verify Page Academy", url="https://verify-page.example", email="b@vp.example")
    api = IssuerApi(live.base_url, hosted.key)
    png_badge = api.badge_class(
        name="Careful Checker", description="Checks every claim.", criteria_narrative="Verify ten badges."
    )
    svg_badge = api.post(  # an SVG badge class, uploaded as a file
        "/badgeclasses",
        data={"name": "Vector Verifier", "description": "Checks SVGs.", "criteria_narrative": "Draw one."},
        files={"image": ("badge.svg", SVG.encode(), "image/svg+xml")},
        status=201,
    )
    ok_png, ok_svg = api.award(png_badge["id"], ADA, **QUIET), api.award(svg_badge["id"], ADA, **QUIET)
    expired = api.award(
        png_badge["id"], ADA, issued_on="2020-01-01T00:00:00Z", expires="2021-01-01T00:00:00Z", **QUIET
    )
    revoked = api.award(png_badge["id"], "revoked.verify@example.org", **QUIET)
    api.revoke(revoked["id"], "Awarded in error")

    signer = make_issuer(name="Signed Seals Ltd", url="https://signed.example", email="b@signed.example")
    signing = IssuerApi(live.base_url, signer.key)
    assert signing.patch("/issuer", {"signing": True})["signing"] is True
    sealed_badge = signing.badge_class(
        name="Sealed Skill",
        description="Signed, not hosted.",
        image=data_uri(png("navy")),
        criteria_narrative="Be signed.",
    )
    sealed = signing.award(sealed_badge["id"], ADA, **QUIET)

    def get(url: str) -> requests.Response:
        r = requests.get(url, timeout=30)
        assert r.status_code == 200, f"{url}: {r.status_code} {r.text[:300]}"
        return r

    credentials = f"{live.base_url}/public/credentials"
    return Badges(
        hosted_url=ok_png["public_url"],
        credential_url=f"{credentials}/{ok_png['id']}",
        credential_json=get(f"{credentials}/{ok_png['id']}").text,
        jws=get(f"{sealed['public_url']}/signed").text.strip(),
        baked={
            "2.0.png": get(f"{ok_png['public_url']}/baked.png").content,
            "2.0.svg": get(f"{ok_svg['public_url']}/baked.svg").content,
            "3.0.png": get(f"{credentials}/{ok_png['id']}/baked.png").content,
            "3.0.svg": get(f"{credentials}/{ok_svg['id']}/baked.svg").content,
        },
        expired_url=expired["public_url"],
        revoked_url=revoked["public_url"],
        revoked_credential_url=f"{credentials}/{revoked['id']}",
    )


@pytest.fixture(scope="module")
def tab(browser, live) -> Iterator:
    """One context and page for the whole module; fails the test that saw an uncaught JavaScript error."""
    ctx = browser.new_context(viewport=DESKTOP, base_url=live.base_url, locale="en-GB")
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    page, errors = ctx.new_page(), []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    try:
        yield page, errors
    finally:
        ctx.close()


@pytest.fixture
def page(tab):
    """The module's page, back at desktop width, for one test."""
    page, errors = tab
    errors.clear()
    page.set_viewport_size(DESKTOP)
    yield page
    assert not errors, f"JavaScript errors: {errors}"


# --- driving the form ---------------------------------------------------------------------------


def submit(page, *, url=None, text=None, image=None, expected_email=None, status=200):
    """Open /verify, fill in what is given like a person would, press Verify; the response."""
    page.goto("/verify")
    if url is not None:
        page.get_by_label("Badge address (URL)").fill(url)
    if text is not None:
        page.get_by_label("Badge JSON or signed badge (JWS)").fill(text)
    if image is not None:
        name, data = image
        mime = "image/svg+xml" if name.endswith(".svg") else "image/png"
        page.get_by_label("Badge image (PNG or SVG)").set_input_files(
            {"name": name, "mimeType": mime, "buffer": data}
        )
    if expected_email is not None:
        page.get_by_label("Expected recipient email (optional)").fill(expected_email)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Verify").click()
    response = navigation.value
    assert response.request.method == "POST"
    assert response.status == status, page.locator("main").inner_text()
    return response


def verdict(page) -> str:
    return page.locator("#verdict").get_attribute("data-verdict")


def checks(page) -> dict[str, str]:
    """{check id: pass | fail | not-checked}, in the page's order."""
    items = page.locator("ul.checks li[data-check]")
    return {
        items.nth(i).get_attribute("data-check"): items.nth(i).get_attribute("data-result")
        for i in range(items.count())
    }


def assert_valid(page, proof: str) -> None:
    found = checks(page)
    assert verdict(page) == "valid", (found, page.locator("#verdict-sentence").inner_text())
    assert page.locator("#verdict").inner_text().strip() == "Valid"
    assert found == {c: "pass" for c in found}, found
    assert set(found) == ALL_PASS | {proof}, found


def assert_invalid(page, failed: str) -> None:
    found = checks(page)
    assert verdict(page) == "invalid", found
    assert page.locator("#verdict").inner_text().strip() == "Not valid"
    assert found.get(failed) == "fail", found
    assert page.locator("#verdict-sentence").inner_text().startswith("This badge is not valid:")


# --- the form -----------------------------------------------------------------------------------


def test_verify_form(page):
    response = page.goto("/verify")
    assert response.status == 200
    assert page.title() == "Verify a badge · Laurel"
    assert page.locator("h1").inner_text() == "Verify a badge"
    for label in (
        "Badge address (URL)",
        "Badge image (PNG or SVG)",
        "Badge JSON or signed badge (JWS)",
        "Expected recipient email (optional)",
    ):
        assert page.get_by_label(label).is_visible(), label
    check_page(page, "form")


# --- valid badges -------------------------------------------------------------------------------

HOSTED, SIGNED = "hosted-on-issuer-origin", "signature-valid"


@pytest.mark.parametrize(
    ("given", "proof", "kind"),
    [
        ("hosted 2.0 URL", HOSTED, "Open Badges 2.0, hosted"),
        ("signed 2.0 JWS", SIGNED, "Open Badges 2.0, signed"),
        ("3.0 credential URL", SIGNED, "Open Badges 3.0 credential"),
        ("3.0 credential JSON", SIGNED, "Open Badges 3.0 credential"),
        ("baked 2.0 PNG", HOSTED, "Open Badges 2.0, hosted"),
        ("baked 2.0 SVG", HOSTED, "Open Badges 2.0, hosted"),
        ("baked 3.0 PNG", SIGNED, "Open Badges 3.0 credential"),
        ("baked 3.0 SVG", SIGNED, "Open Badges 3.0 credential"),
    ],
)
def test_our_badges_are_valid(page, badges, given, proof, kind):
    inputs = {
        "hosted 2.0 URL": {"url": badges.hosted_url},
        "signed 2.0 JWS": {"text": badges.jws},
        "3.0 credential URL": {"url": badges.credential_url},
        "3.0 credential JSON": {"text": badges.credential_json},
        "baked 2.0 PNG": {"image": ("badge.png", badges.baked["2.0.png"])},
        "baked 2.0 SVG": {"image": ("badge.svg", badges.baked["2.0.svg"])},
        "baked 3.0 PNG": {"image": ("credential.png", badges.baked["3.0.png"])},
        "baked 3.0 SVG": {"image": ("credential.svg", badges.baked["3.0.svg"])},
    }[given]
    submit(page, **inputs, expected_email=ADA)
    assert_valid(page, proof)
    details = page.locator("section.badge dl").inner_text()
    assert kind in details, details
    assert ADA in details


def test_valid_result_page(page, badges):
    submit(page, url=badges.hosted_url, expected_email=ADA)
    assert_valid(page, HOSTED)
    assert page.title() == "Valid: badge verification · Laurel"
    assert page.locator("#badge-name").inner_text() == "Careful Checker"
    assert page.locator("section.badge img").count() == 1
    shoot(page, "valid")
    assert_images_loaded(page)
    assert_no_overflow(page)


def test_valid_result_page_is_accessible(page, badges):
    submit(page, url=badges.hosted_url, expected_email=ADA)
    assert_valid(page, HOSTED)
    check_page(page, "valid")


# --- invalid badges -----------------------------------------------------------------------------


def test_expired_award_is_invalid(page, badges):
    submit(page, url=badges.expired_url)
    assert_invalid(page, "not-expired")
    assert [c for c, r in checks(page).items() if r == "fail"] == ["not-expired"]


def test_revoked_hosted_award_is_invalid(page, badges):
    submit(page, url=badges.revoked_url)
    assert_invalid(page, "not-revoked")
    assert "Awarded in error" in page.locator("#verdict-sentence").inner_text()
    assert page.title() == "Not valid: badge verification · Laurel"
    assert page.locator("section.badge img").count() == 0  # a revoked badge's image is gone (410)
    check_page(page, "invalid")


def test_revoked_credential_is_invalid(page, badges):
    submit(page, url=badges.revoked_credential_url)
    assert_invalid(page, "not-revoked")
    assert checks(page)[SIGNED] == "pass"


@pytest.mark.parametrize(
    ("email", "result"), [(ADA, "pass"), ("  ADA.Verify@Example.org ", "pass"), (EVE, "fail")]
)
def test_expected_email(page, badges, email, result):
    submit(page, url=badges.hosted_url, expected_email=email)
    assert checks(page)["recipient-matches"] == result
    assert verdict(page) == ("valid" if result == "pass" else "invalid")


def test_wrong_email_on_a_3_0_credential(page, badges):
    submit(page, text=badges.credential_json, expected_email=EVE)
    assert_invalid(page, "recipient-matches")
    assert checks(page)[SIGNED] == "pass"


def test_tampered_jws_fails_the_signature(page, badges):
    header, payload, signature = badges.jws.split(".")
    claims = json.loads(unb64url(payload))
    claims["recipient"]["identity"] = "sha256$" + "0" * 64  # someone else's badge now
    tampered = ".".join((header, b64url(json.dumps(claims).encode()), signature))
    submit(page, text=tampered)
    assert_invalid(page, SIGNED)


def flip_one_character(payload: str, claims: dict) -> str:
    """The payload with one base64url character changed so that it still decodes to JSON that differs
    from the signed claims only in the recipient's identity hash (so only the signature can tell)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i in range(len(payload) - 1):  # not the last character: it may carry padding bits
        for c in alphabet:
            if c == payload[i]:
                continue
            flipped = payload[:i] + c + payload[i + 1 :]
            try:
                changed = json.loads(unb64url(flipped))
            except ValueError:
                continue
            identity = changed.get("recipient", {}).get("identity")
            if (
                identity != claims["recipient"]["identity"]
                and {**changed, "recipient": claims["recipient"]} == claims
            ):
                return flipped
    raise AssertionError("no single-character change keeps the payload readable")


def test_one_flipped_character_in_the_jws_payload_fails_the_signature(page, badges):
    header, payload, signature = badges.jws.split(".")
    flipped = flip_one_character(payload, json.loads(unb64url(payload)))
    assert sum(a != b for a, b in zip(flipped, payload, strict=True)) == 1
    submit(page, text=".".join((header, flipped, signature)))
    assert_invalid(page, SIGNED)
    assert checks(page)["parsed"] == "pass"


def test_a_flip_that_breaks_the_payload_is_not_parsed(page, badges):
    header, payload, signature = badges.jws.split(".")
    i = len(payload) // 2
    flipped = payload[:i] + ("_" if payload[i] != "_" else "-") + payload[i + 1 :]
    submit(page, text=".".join((header, flipped, signature)))
    assert verdict(page) == "invalid"
    assert checks(page)["parsed"] == "fail"


def test_tampered_3_0_credential_fails_the_signature(page, badges):
    credential = json.loads(badges.credential_json)
    credential["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    submit(page, text=json.dumps(credential, indent=2))
    assert_invalid(page, SIGNED)


# --- private addresses --------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["http://10.0.0.1/badge", "http://169.254.169.254/latest/meta-data/"])
def test_private_address_is_refused_next_to_the_url_field(page, live, address):
    seen: list[str] = []

    def record(request) -> None:
        seen.append(request.url)

    page.on("request", record)
    started = time.monotonic()
    try:
        response = submit(page, url=address, status=422)
    finally:
        page.remove_listener("request", record)
    took = time.monotonic() - started
    assert page.locator("#url-error").inner_text() == PRIVATE
    url_field = page.get_by_label("Badge address (URL)")
    assert url_field.get_attribute("aria-invalid") == "true"
    assert "url-error" in url_field.get_attribute("aria-describedby").split()
    assert url_field.input_value() == address  # kept, so the person can correct it
    assert page.locator("#form-error").is_visible()
    assert page.locator("#verdict").count() == 0
    # Refused before connecting: a connection to 10.0.0.1 would have hit the 5 s fetch timeout and
    # said "did not answer"; the browser itself only talked to our stack.
    assert took < 4, took
    assert response.url.startswith(live.base_url)
    assert all(u.startswith(live.base_url) for u in seen), seen
    if address.startswith("http://10."):
        check_page(page, "refused")


# --- credentials too costly to check ------------------------------------------------------------


def test_poison_credential_is_refused_with_its_reason(page):
    from tests.hostile import corpus

    submit(page, text=json.dumps(corpus.poison_credential(), indent=2))
    assert_invalid(page, SIGNED)
    sentence = page.locator("#verdict-sentence").inner_text()
    assert "graph is too complex to verify (poison dataset)" in sentence, sentence
    check_page(page, "poison")
