"""The OpenID Connect round trip through the app, on the memory store's identity provider: state, nonce,
PKCE, the flow cookie, the callback, next, and a Google-like sign-in that creates an account."""

from __future__ import annotations

import re

import pytest

from tests.support.earners import Browser, csrf_token
from tests.support.oidc import (
    PROVIDERS,
    authorize_url,
    callback,
    oidc_providers,  # noqa: F401 (a fixture)
    query,
    round_trip,
)

ADA = {"sub": "g-ada", "email": "ada@example.org", "email_verified": True}
ADA_NAMES = {"given_name": "Ada", "family_name": "Lovelace"}
CEREMONY = re.compile(r'name="ceremony" value="([^"]+)"')


@pytest.fixture
def browser(memory_client, request):
    request.getfixturevalue("oidc_providers")
    return Browser(memory_client)


def create_account(browser, store, claims=ADA, **form):
    page = round_trip(browser, store, "google", **claims, **ADA_NAMES)
    assert page.status_code == 200, page.text
    ceremony = CEREMONY.search(page.text).group(1)
    fields = {"csrf_token": csrf_token(page.text), "ceremony": ceremony, "first_name": "Ada"}
    fields |= {"last_name": "Lovelace", "terms": "on", **form}
    return browser.post("/login/oidc/welcome", fields)


def test_authorize_url_has_state_nonce_and_an_s256_challenge(browser, memory_store):
    url = authorize_url(browser)
    params = query(url)
    assert url.startswith("https://accounts.google.com/authorize?")
    assert params["response_type"] == "code" and params["client_id"] == "laurel-google"
    assert params["redirect_uri"] == "https://badges.example/login/oidc/google/callback"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 43 and len(params["nonce"]) >= 32
    assert params["scope"] == "openid email profile"
    assert "__Host-laurel_flow" in browser.cookies


def test_google_sign_in_creates_an_account_after_the_terms(browser, memory_store):
    page = round_trip(browser, memory_store, "google", **ADA, **ADA_NAMES)
    assert page.status_code == 200 and "Create your Laurel account" in page.text
    assert 'value="Ada"' in page.text and "ada@example.org" in page.text
    assert memory_store.accounts.owner_of("ada@example.org") is None  # nothing before the terms
    ceremony = CEREMONY.search(page.text).group(1)
    form = {"csrf_token": csrf_token(page.text), "ceremony": ceremony, "first_name": "Ada", "last_name": "L"}
    refused = browser.post("/login/oidc/welcome", form)  # no terms
    assert refused.status_code == 422 and "Accept the terms" in refused.text
    done = browser.post("/login/oidc/welcome", {**form, "terms": "on"})
    assert done.status_code == 303 and done.headers["Location"] == "/backpack"
    owner = memory_store.accounts.owner_of("ada@example.org")
    assert owner.verified
    account = memory_store.accounts.get(owner.account_id)
    assert account.password_hash is None and account.terms_at is not None and account.ways_in == 1
    assert not account.product_mail
    assert memory_store.identities.owner("google", "g-ada").account_id == account.id
    assert memory_store.mail.sent[-1]["to"] == "ada@example.org"
    assert "Google can now sign in" in memory_store.mail.sent[-1]["subject"]
    assert browser.get("/backpack").status_code == 200


def test_a_linked_identity_signs_straight_in(browser, memory_store):
    create_account(browser, memory_store)
    again = Browser(browser.client)
    back = round_trip(again, memory_store, "google", sub="g-ada", email="changed@example.org")
    assert back.status_code == 303 and back.headers["Location"] == "/backpack"
    assert "__Host-laurel_session" in again.cookies
    assert memory_store.identities.owner("google", "g-ada").last_used_at is not None


def test_state_is_single_use(browser, memory_store):
    url = authorize_url(browser)
    answer = memory_store.openid.authorize(url, **ADA)
    assert callback(browser, "google", answer).status_code == 200
    replay = callback(
        browser, "google", {**answer, "code": memory_store.openid.authorize(url, **ADA)["code"]}
    )
    assert replay.status_code == 410 and "Start again" in replay.text


def test_state_is_bound_to_the_browser_that_started(browser, memory_store, memory_client):
    """Login CSRF: the attacker starts a sign-in with their own provider account and sends the victim the
    callback URL; in the victim's browser (no flow cookie, or another one) it does nothing."""
    url = authorize_url(browser)
    answer = memory_store.openid.authorize(
        url, sub="g-attacker", email="mallory@example.org", email_verified=True
    )
    victim = Browser(memory_client)
    assert callback(victim, "google", answer).status_code == 410
    victim.get("/login/oidc/google")  # the victim has a flow cookie of their own
    assert callback(victim, "google", answer).status_code == 410
    assert "__Host-laurel_session" not in victim.cookies
    assert memory_store.openid.exchanges == []  # refused before the code was even spent


def test_pkce_verifier_is_sent_and_never_leaves_the_server(browser, memory_store):
    url = authorize_url(browser)
    params = query(url)
    callback(browser, "google", memory_store.openid.authorize(url, **ADA))
    sent = memory_store.openid.exchanges[-1]["form"]
    verifier = sent["code_verifier"]
    assert len(verifier) >= 43 and verifier not in url
    assert params["code_challenge"] != verifier
    assert all(verifier not in value for value in browser.cookies.values())
    assert memory_store.openid.exchanges[-1]["auth"] == ("laurel-google", "test-client-secret")


def test_a_wrong_verifier_is_refused_by_the_provider(browser, memory_store):
    url = authorize_url(browser)
    answer = memory_store.openid.authorize(url.replace("code_challenge=", "code_challenge=x"), **ADA)
    page = callback(browser, "google", answer)
    assert page.status_code == 403 and memory_store.accounts.owner_of("ada@example.org") is None


def test_callback_for_another_provider_is_refused(browser, memory_store):
    url = authorize_url(browser, "google")
    answer = memory_store.openid.authorize(url, **ADA)
    page = callback(browser, "corp", answer)
    assert page.status_code == 403 and "another sign-in provider" in page.text
    assert memory_store.openid.exchanges == []


@pytest.mark.parametrize(
    "tamper",
    [{"nonce": "other"}, {"aud": "someone-else"}, {"exp": 1_000_000}, {"iss": "https://evil.example"}],
    ids=["nonce", "aud", "exp", "iss"],
)
def test_a_tampered_id_token_is_refused_and_writes_nothing(browser, memory_store, tamper):
    memory_store.openid.tamper = tamper
    page = round_trip(browser, memory_store, "google", **ADA)
    assert page.status_code == 403 and "could not be checked" in page.text
    assert memory_store.db.table("ceremonies") == {}  # the state was spent; no proof or terms begun
    assert memory_store.accounts.owner_of("ada@example.org") is None


def test_a_token_signed_by_a_foreign_key_is_refused(browser, memory_store):
    memory_store.openid.foreign = True
    assert round_trip(browser, memory_store, "google", **ADA).status_code == 403


def test_the_provider_saying_no_is_a_page(browser, memory_store):
    url = authorize_url(browser)
    page = callback(browser, "google", {"state": query(url)["state"], "error": "access_denied"})
    assert page.status_code == 403 and "did not sign you in" in page.text


@pytest.mark.parametrize(
    "unsafe", ["//evil.example/x", "https://evil.example", "/\\evil", "javascript:alert(1)"]
)
def test_next_after_social_sign_in_is_a_safe_path(browser, memory_store, unsafe):
    create_account(browser, memory_store)
    again = Browser(browser.client)
    url = authorize_url(again, path=f"/login/oidc/google?next={unsafe}")
    back = callback(again, "google", memory_store.openid.authorize(url, sub="g-ada"))
    assert back.headers["Location"] == "/backpack"
    url = authorize_url(again, path="/login/oidc/google?next=/backpack/x%3Ftab%3Dpending")
    back = callback(again, "google", memory_store.openid.authorize(url, sub="g-ada"))
    assert back.headers["Location"] == "/backpack/x?tab=pending"


def test_unknown_provider_is_404(browser):
    assert browser.get("/login/oidc/facebook").status_code == 404
    assert browser.get("/login/oidc/facebook/callback?state=x&code=y").status_code == 404


def test_login_page_offers_each_configured_provider(browser):
    page = browser.get("/login?next=/backpack").text
    for entry in PROVIDERS:
        assert (
            f'href="/login/oidc/{entry["id"]}?next=/backpack"' in page
            or f"/login/oidc/{entry['id']}?next=%2Fbackpack" in page
        )
    assert "Continue with Google" in page and "Continue with Corp ID" in page


def test_only_the_form_post_callback_skips_the_csrf_form_check(browser, memory_store):
    """A POST to the callback of a provider that answers with a link is refused; the other oidc forms
    want the CSRF token."""
    url = authorize_url(browser)
    answer = memory_store.openid.authorize(url, **ADA)
    assert callback(browser, "google", answer, post=True).status_code == 403
    for path in ("/login/oidc/confirm", "/login/oidc/confirm/code", "/login/oidc/welcome"):
        assert browser.post(path, {"ceremony": "x"}).status_code == 403, path


def test_apple_answers_by_form_post_with_its_client_secret_jwt(browser, memory_store):
    from joserfc import jwt

    from tests.support.oidc import apple_key

    start = browser.get("/login/oidc/apple")
    assert "SameSite=None" in start.headers["Set-Cookie"]  # Apple's POST comes from its own site
    params = query(start.headers["Location"])
    assert params["response_mode"] == "form_post" and params["scope"] == "openid email name"
    answer = memory_store.openid.authorize(
        start.headers["Location"], sub="a-ada", email="ada@privaterelay.appleid.com", email_verified="true"
    )
    user = '{"name": {"firstName": "Ada", "lastName": "Lovelace"}}'
    page = callback(browser, "apple", {**answer, "user": user}, post=True)  # no CSRF token: the state
    assert page.status_code == 200 and 'value="Lovelace"' in page.text
    sent = memory_store.openid.exchanges[-1]
    secret = sent["auth"][1] if sent["auth"] else sent["form"]["client_secret"]
    claims = jwt.decode(secret, apple_key(), algorithms=["ES256"]).claims
    assert claims["iss"] == "TEAM123456" and claims["sub"] == "org.laurel.web"


def test_every_other_form_post_wants_the_csrf_token(browser, memory_store):
    """Only the form_post callback reads a form without the CSRF check (its state, single use and bound
    to the flow cookie, is the check). Every other page POST is 403 without a token, signed in or not,
    unless an unguessable token in its path is checked first."""
    from app import app

    page = round_trip(browser, memory_store, "google", **ADA, **ADA_NAMES)
    form = {"csrf_token": csrf_token(page.text), "ceremony": CEREMONY.search(page.text).group(1)}
    browser.post("/login/oidc/welcome", form | {"first_name": "A", "last_name": "B", "terms": "on"})
    assert "__Host-laurel_session" in browser.cookies
    for path, methods in app.routes.items():
        if "POST" not in methods or path.startswith("/api/"):
            continue
        answer = browser.post(re.sub(r"\{[^}]+\}", "x", path), {"a": "b"})
        if path == "/login/oidc/{provider_id}/callback":
            assert answer.status_code == 404  # no provider "x"; Apple's is tested above
        elif "{token}" in path:
            assert answer.status_code in (403, 404, 409, 410), path
        else:
            assert answer.status_code == 403, path


def test_the_reauth_partial_offers_each_provider_with_the_sessions_token(browser):
    from chalicelib.web.pages import environment

    html = (
        environment()
        .get_template("pages/_reauth_oidc.html")
        .render(csrf_token="t/k+n", next="/settings/emails")
    )
    assert 'href="/reauth/oidc/google?csrf_token=t/k%2Bn&amp;next=/settings/emails"' in html
    assert "Confirm with Corp ID" in html
