"""Social sign-in over HTTP against a real OpenID provider (tests/oidc: panva's oidc-provider) beside the
whole local stack: a Google-like sign-in creates an account, a linked one signs straight in, an address
that has an account asks for proof first, and every tampered ID token is refused with nothing written."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.support import oidc
from tests.support.earners import PASSWORD, Earner, csrf_token
from tests.support.oidc import TAMPER, award_badge, idp_sign_in

live = oidc.oidc_live  # this file's own stack, beside the test provider

CEREMONY = re.compile(r'name="ceremony" value="([^"]+)"')


@pytest.fixture(scope="module")
def badge(live):
    return award_badge(live)


def login_name(prefix: str = "ada") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def sign_in(live, person: Earner, provider: str, login: str):
    """Click "Continue with …", sign in at the provider, come back: the callback's answer."""
    start = person.get(f"/login/oidc/{provider}")
    assert start.status_code == 303, live.log()
    callback = idp_sign_in(person.http, start.headers["Location"], login, live.base_url)
    return person.http.get(callback, allow_redirects=False, timeout=30)


def accept_terms(person: Earner, page) -> None:
    form = {"csrf_token": csrf_token(page.text), "ceremony": CEREMONY.search(page.text).group(1)}
    form |= {"first_name": "Ada", "last_name": "Tester", "terms": "on"}
    done = person.post("/login/oidc/welcome", form)
    assert done.status_code == 303 and done.headers["Location"] == "/backpack", done.text


def test_the_login_page_offers_the_providers(live):
    page = Earner(live, "x@example.org").get("/login").text
    assert "Continue with Google" in page and "Continue with Corp ID" in page


def test_google_like_sign_in_creates_an_account_then_signs_straight_in(live):
    login = login_name()
    person = Earner(live, f"{login}@example.org")
    page = sign_in(live, person, "google", login)
    assert page.status_code == 200 and "Create your Laurel account" in page.text, page.text
    assert person.email in page.text and 'value="Ada"' in page.text  # names from the claims
    accept_terms(person, page)
    assert person.get("/backpack").status_code == 200
    told = live.wait_for_mail(person.email)
    assert "Google can now sign in" in told["subject"]
    again = Earner(live, person.email)
    back = sign_in(live, again, "google", login)
    assert back.status_code == 303 and back.headers["Location"] == "/backpack"
    assert again.get("/backpack").status_code == 200


def test_an_address_with_an_account_asks_for_proof_first(live, badge):
    from tests.support.earners import activated

    owner = activated(live, badge, "owner")
    login = owner.email  # the provider gives the same address
    person = Earner(live, owner.email)
    page = sign_in(live, person, "google", login)
    assert page.status_code == 200 and "Is this your Laurel account?" in page.text
    assert person.get("/backpack").status_code == 303  # not signed in
    form = {"csrf_token": csrf_token(page.text), "ceremony": CEREMONY.search(page.text).group(1)}
    wrong = person.post("/login/oidc/confirm", {**form, "password": "not it at all, no"})
    assert wrong.status_code == 422
    done = person.post("/login/oidc/confirm", {**form, "password": PASSWORD})
    assert done.status_code == 303
    assert f'id="badge-{owner.assertion["id"]}"' in person.get("/backpack").text
    again = Earner(live, owner.email)
    assert sign_in(live, again, "google", login).headers.get("Location") == "/backpack"


def test_email_verified_false_creates_nothing(live):
    login = login_name("unverified")
    person = Earner(live, f"{login}@example.org")
    page = sign_in(live, person, "google", login)
    assert page.status_code == 403 and "did not confirm that the email address is yours" in page.text
    assert live.aws("dynamodb")  # nothing to look up: the address must not be held by anyone
    assert Earner(live, person.email).get("/backpack").status_code == 303


def test_a_generic_issuer_never_vouches_for_an_address(live):
    login = login_name("corp")
    page = sign_in(live, Earner(live, f"{login}@example.org"), "corp", login)
    assert page.status_code == 403 and "Corp ID did not confirm" in page.text


@pytest.mark.parametrize("client", TAMPER)
def test_a_tampered_id_token_is_refused_and_nothing_is_written(live, client):
    login = login_name("tamper")
    person = Earner(live, f"{login}@example.org")
    page = sign_in(live, person, client, login)
    assert page.status_code == 403 and "could not be checked" in page.text, page.text
    assert "__Host-laurel_session" not in person.http.cookies
    table = live.aws("dynamodb").scan(TableName="laurel-accounts")["Items"]
    assert not [item for item in table if login in str(item)]  # no account, address or identity


def test_the_state_cannot_be_replayed(live):
    login = login_name()
    person = Earner(live, f"{login}@example.org")
    start = person.get("/login/oidc/google")
    callback = idp_sign_in(person.http, start.headers["Location"], login, live.base_url)
    assert person.http.get(callback, allow_redirects=False, timeout=30).status_code == 200
    assert person.http.get(callback, allow_redirects=False, timeout=30).status_code == 410
    stranger = Earner(live, "stranger@example.org")  # the callback URL in another browser
    assert stranger.http.get(callback, allow_redirects=False, timeout=30).status_code == 410
