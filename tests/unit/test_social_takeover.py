"""Who else could use a social sign-in (memory store): an identity is linked to an account that holds its
address only after that account is proven; addresses a provider does not vouch for find and create
nothing; codes and ceremonies work once, for the browser that asked; closed accounts stay closed; the
last way in stays."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from chalicelib.services.earners import social_proof
from tests.support.earners import PASSWORD, Browser, activation_code, csrf_token
from tests.support.oidc import (
    authorize_url,
    callback,
    oidc_providers,  # noqa: F401 (a fixture)
    round_trip,
    verified_account,
)
from tests.support.races import parallel

ADA = "ada@example.org"
GOOGLE_ADA = {"sub": "g-ada", "email": ADA, "email_verified": True}
CEREMONY = re.compile(r'name="ceremony" value="([^"]+)"')


@pytest.fixture
def store(memory_client, memory_store, request):
    request.getfixturevalue("oidc_providers")
    return memory_store


@pytest.fixture
def ada(store):
    return verified_account(store, ADA)


def browser(memory_client) -> Browser:
    return Browser(memory_client)


def proof_page(memory_client, store, claims=GOOGLE_ADA):
    person = browser(memory_client)
    page = round_trip(person, store, "google", **claims)
    assert page.status_code == 200 and "Is this your Laurel account?" in page.text, page.text
    return person, page, CEREMONY.search(page.text).group(1)


def post_proof(person, page, secret, **form):
    """Post the proof form as this browser (its CSRF token now, as a reload would give it)."""
    fields = {"csrf_token": csrf_token(person.get("/login").text), "ceremony": secret, **form}
    return person.post("/login/oidc/confirm", fields)


def test_verified_email_of_an_existing_account_is_never_linked_silently(memory_client, store, ada):
    person, page, _ = proof_page(memory_client, store)
    assert ADA in page.text and "password" in page.text.lower()
    assert "Lovelace" not in page.text  # only the address the provider gave, nothing of the account
    assert store.identities.owner("google", "g-ada") is None
    assert "__Host-laurel_session" not in person.cookies
    assert store.mail.sent == []  # not even a code until asked for one
    proof_page(memory_client, store)  # a second sign-in asks again
    assert store.identities.owner("google", "g-ada") is None


def test_the_right_password_links_and_the_next_sign_in_goes_straight_in(memory_client, store, ada):
    person, page, secret = proof_page(memory_client, store)
    wrong = post_proof(person, page, secret, password="not the password at all")
    assert wrong.status_code == 422 and "not the password" in wrong.text
    done = post_proof(person, page, secret, password=PASSWORD)
    assert done.status_code == 303 and "__Host-laurel_session" in person.cookies
    assert store.identities.owner("google", "g-ada").account_id == ada.id
    assert store.accounts.get(ada.id).ways_in == 1
    told = store.mail.sent[-1]
    assert told["to"] == ADA and "Google can now sign in" in told["subject"]
    assert post_proof(person, page, secret, password=PASSWORD).status_code == 410  # spent
    again = browser(memory_client)
    back = round_trip(again, store, "google", sub="g-ada")
    assert back.status_code == 303 and "__Host-laurel_session" in again.cookies


def test_link_needs_that_accounts_password_counted_like_sign_in(memory_client, store, ada, one_rate_window):
    from chalicelib.services.earners import accounts

    person, _, secret = proof_page(memory_client, store)
    flow = person.cookies["__Host-laurel_flow"]
    from hashlib import sha256

    browser_hash = sha256(flow.encode()).hexdigest()
    results = parallel(
        16,
        lambda: social_proof.by_password(
            secret, "wrong password here", "198.51.100.7", browser=browser_hash, store=store
        ),
    )
    assert results.count("Invalid") == 5 and results.count("TooMany") == 11, results
    with pytest.raises(Exception, match="Too many"):  # the same count as signing in to that account
        accounts.login(ADA, PASSWORD, "198.51.100.8", store=store)
    with pytest.raises(Exception, match="Too many"):
        social_proof.by_password(secret, PASSWORD, "198.51.100.9", browser=browser_hash, store=store)
    assert store.identities.owner("google", "g-ada") is None


def test_link_code_goes_to_the_address_and_works_once_for_the_asking_browser(memory_client, store, ada):
    person, page, secret = proof_page(memory_client, store)
    other, other_page, other_secret = proof_page(memory_client, store)  # another sign-in, same address
    sent = person.post("/login/oidc/confirm/code", {"csrf_token": csrf_token(page.text), "ceremony": secret})
    assert sent.status_code == 200 and "We emailed a 6-digit code" in sent.text
    mail = store.mail.sent[-1]
    assert mail["to"] == ADA and "link Google" in mail["subject"]
    code = activation_code(mail["html"])
    # the code is bound to the ceremony that asked: another sign-in (or browser) cannot use it
    assert post_proof(other, other_page, other_secret, code=code).status_code == 422
    assert post_proof(other, page, secret, code=code).status_code == 410  # the asking secret, another browser
    assert store.identities.owner("google", "g-ada") is None
    done = post_proof(person, page, secret, code=code)
    assert done.status_code == 303 and store.identities.owner("google", "g-ada").account_id == ada.id
    assert post_proof(person, page, secret, code=code).status_code == 410
    assert store.codes.link_code(ADA) is None


def test_a_link_code_allows_five_tries(memory_client, store, ada):
    person, page, secret = proof_page(memory_client, store)
    person.post("/login/oidc/confirm/code", {"csrf_token": csrf_token(page.text), "ceremony": secret})
    code = activation_code(store.mail.sent[-1]["html"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answers = [post_proof(person, page, secret, code=wrong).text for _ in range(5)]
    assert "1 tries left" in answers[3] and "no longer valid" in answers[4]
    assert post_proof(person, page, secret, code=code).status_code == 422  # used up, even the right one
    assert store.identities.owner("google", "g-ada") is None


def test_a_passwordless_account_is_proven_only_by_the_code(memory_client, store):
    verified_account(store, ADA, password=None)
    person, page, secret = proof_page(memory_client, store)
    assert 'name="password"' not in page.text
    assert post_proof(person, page, secret, password="").status_code == 422
    assert store.identities.owner("google", "g-ada") is None


def address_page(memory_client, store, provider: str, **claims):
    person = browser(memory_client)
    page = round_trip(person, store, provider, **claims)
    assert page.status_code == 200 and "Which email address is yours?" in page.text, page.text
    return person, page, CEREMONY.search(page.text).group(1)


def only_address_ceremonies(store) -> bool:
    return {c.kind for c in store.db.table("ceremonies").values()} <= {"oidc-address"}


MICROSOFT = {"tid": "tenant-1", "iss": "https://login.microsoftonline.com/tenant-1/v2.0"}


@pytest.mark.parametrize("provider", ["corp", "microsoft"])
def test_untrusted_provider_email_creates_nothing_until_the_address_code(memory_client, store, ada, provider):
    """nOAuth: a generic issuer or a Microsoft tenant may state anyone's address, even as verified. It
    finds and creates nothing; a code mailed to the address decides, and only its owner reads it."""
    extra = MICROSOFT if provider == "microsoft" else {}
    for email in (ADA, "newcomer@example.org"):
        claims = {"sub": f"{provider}-x", "email": email, "email_verified": True, **extra}
        _, page, _ = address_page(memory_client, store, provider, **claims)
        assert f'value="{email}"' in page.text  # only a suggestion for the field
        assert "Is this your Laurel account?" not in page.text and "Create your" not in page.text
    assert store.accounts.owner_of("newcomer@example.org") is None
    assert store.identities.owner(provider, f"{provider}-x") is None
    assert only_address_ceremonies(store) and store.mail.sent == []
    attacker, page, secret = address_page(
        memory_client, store, provider, sub=f"{provider}-x", email=ADA, **extra
    )
    fields = {"csrf_token": csrf_token(page.text), "ceremony": secret, "email": ADA}
    sent = attacker.post("/login/oidc/address", fields)
    assert sent.status_code == 200 and store.mail.sent[-1]["to"] == ADA  # the code goes to the owner
    guess = attacker.post("/login/oidc/address/code", fields | {"code": "000000"})
    assert guess.status_code == 422 and store.identities.owner(provider, f"{provider}-x") is None
    assert "__Host-laurel_session" not in attacker.cookies


@pytest.mark.parametrize("verified", [False, "true", None])
def test_email_verified_false_never_proves_an_address(memory_client, store, ada, verified):
    for email in ("newcomer@example.org", ADA):
        claims = {"sub": "g-x", "email": email, "email_verified": verified}
        address_page(memory_client, store, "google", **claims)
    assert store.accounts.owner_of("newcomer@example.org") is None
    assert store.identities.owner("google", "g-x") is None
    assert only_address_ceremonies(store) and store.mail.sent == []


def test_the_address_code_creates_an_account_or_proves_the_one_that_holds_it(memory_client, store, ada):
    person, page, secret = address_page(memory_client, store, "corp", sub="corp-new", given_name="Neo")
    fields = {"csrf_token": csrf_token(page.text), "ceremony": secret, "email": "Neo@Example.org"}
    assert person.post("/login/oidc/address", fields).status_code == 200
    code = activation_code(store.mail.sent[-1]["html"])
    assert store.mail.sent[-1]["to"] == "neo@example.org"
    other, other_page, other_secret = address_page(memory_client, store, "corp", sub="corp-other")
    stolen = {"csrf_token": csrf_token(other_page.text), "ceremony": other_secret, "email": "neo@example.org"}
    assert other.post("/login/oidc/address/code", stolen | {"code": code}).status_code == 422  # bound
    terms = person.post("/login/oidc/address/code", fields | {"email": "neo@example.org", "code": code})
    assert (
        terms.status_code == 200
        and "Create your Laurel account" in terms.text
        and 'value="Neo"' in terms.text
    )
    form = {"csrf_token": csrf_token(terms.text), "ceremony": CEREMONY.search(terms.text).group(1)}
    done = person.post("/login/oidc/welcome", form | {"first_name": "Neo", "last_name": "A", "terms": "on"})
    assert done.status_code == 303 and store.accounts.owner_of("neo@example.org").verified
    assert (
        store.identities.owner("corp", "corp-new").account_id
        == store.accounts.owner_of("neo@example.org").account_id
    )
    # the address of an existing account: its code is the proof, and the identity is linked to it
    person, page, secret = address_page(memory_client, store, "corp", sub="corp-ada")
    fields = {"csrf_token": csrf_token(page.text), "ceremony": secret, "email": ADA}
    person.post("/login/oidc/address", fields)
    code = activation_code(store.mail.sent[-1]["html"])
    linked = person.post("/login/oidc/address/code", fields | {"code": code})
    assert linked.status_code == 303 and store.identities.owner("corp", "corp-ada").account_id == ada.id
    assert "Corp ID can now sign in" in store.mail.sent[-1]["subject"]


@pytest.mark.parametrize("closed", [{"merged_into": "someone-else"}, {"closed_at": "set"}])
def test_identity_linked_to_a_merged_or_closed_account_does_not_sign_in(memory_client, store, ada, closed):
    from chalicelib.services.shared import ids
    from chalicelib.store.identities import Identity

    store.identities.link(Identity("google", "g-ada", ada.id, ids.now(), email=ADA))
    accounts = store.db.table("accounts")
    accounts[ada.id] = replace(
        accounts[ada.id], **{k: ids.now() if v == "set" else v for k, v in closed.items()}
    )
    person = browser(memory_client)
    page = round_trip(person, store, "google", sub="g-ada")
    assert page.status_code == 403 and "merged into another or closed" in page.text
    assert "__Host-laurel_session" not in person.cookies


def test_an_unverified_hold_is_dropped_by_social_sign_up(memory_client, store):
    """Pre-hijack: someone registered the address with their password and never activated it; the
    address's owner signing up with Google gets the address, the squatter keeps nothing."""
    from chalicelib.services.earners import passwords
    from chalicelib.services.shared import ids
    from chalicelib.store.accounts import Account

    at = ids.now()
    squatter = Account(
        ids.new_id(), "M", "Allory", passwords.hash_password("mallory's password 1"), ADA, at, at
    )
    store.accounts.register(squatter, ADA, holder=None)
    person = browser(memory_client)
    page = round_trip(person, store, "google", **GOOGLE_ADA)
    assert "Create your Laurel account" in page.text  # an unverified hold is not an account to prove
    form = {"csrf_token": csrf_token(page.text), "ceremony": CEREMONY.search(page.text).group(1)}
    form |= {"first_name": "Ada", "last_name": "Lovelace", "terms": "on"}
    assert person.post("/login/oidc/welcome", form).status_code == 303
    owner = store.accounts.owner_of(ADA)
    assert owner.verified and owner.account_id != squatter.id


def test_terms_page_is_bound_to_the_browser_and_single_use(memory_client, store):
    person = browser(memory_client)
    page = round_trip(person, store, "google", **GOOGLE_ADA)
    form = {"csrf_token": csrf_token(page.text), "ceremony": CEREMONY.search(page.text).group(1)}
    form |= {"first_name": "Ada", "last_name": "Lovelace", "terms": "on"}
    thief = browser(memory_client)
    stolen = {**form, "csrf_token": csrf_token(thief.get("/login").text)}
    assert thief.post("/login/oidc/welcome", stolen).status_code == 410
    assert person.post("/login/oidc/welcome", form).status_code == 303
    form["csrf_token"] = csrf_token(person.get("/login").text)  # signed in now: the session's token
    assert person.post("/login/oidc/welcome", form).status_code == 410
    assert len([a for a in store.db.table("accounts").values() if a.primary_email == ADA]) == 1


def signed_in_browser(memory_client, store, claims=GOOGLE_ADA):
    person = browser(memory_client)
    page = round_trip(person, store, "google", **claims)
    form = {"csrf_token": csrf_token(page.text), "ceremony": CEREMONY.search(page.text).group(1)}
    form |= {"first_name": "Ada", "last_name": "Lovelace", "terms": "on"}
    assert person.post("/login/oidc/welcome", form).status_code == 303
    return person


def link_path(person, provider: str) -> str:
    token = csrf_token(person.get("/settings/emails").text)
    return f"/settings/sign-in/identities/{provider}/link?csrf_token={token}"


def test_link_from_settings_needs_the_csrf_token_and_the_same_account(memory_client, store):
    from chalicelib.store.memory.openid import MemoryOpenId

    ada_browser = signed_in_browser(memory_client, store)
    assert ada_browser.get("/settings/sign-in/identities/corp/link").status_code == 403  # no token
    assert ada_browser.get("/settings/sign-in/identities/corp/link?csrf_token=x").status_code == 403
    url = authorize_url(ada_browser, path=link_path(ada_browser, "corp"))
    answer = store.openid.authorize(url, sub="corp-ada", email="ada@corp.example")
    # the answer forced on another signed-in browser links nothing there
    grace = signed_in_browser(
        memory_client, store, {"sub": "g-grace", "email": "grace@example.org", "email_verified": True}
    )
    assert callback(grace, "corp", answer).status_code == 410
    assert store.identities.owner("corp", "corp-ada") is None
    url = authorize_url(ada_browser, path=link_path(ada_browser, "corp"))
    back = callback(
        ada_browser, "corp", store.openid.authorize(url, sub="corp-ada", email="ada@corp.example")
    )
    assert back.status_code == 303 and back.headers["Location"] == "/settings/sign-in?done=linked"
    owner = store.accounts.owner_of(ADA).account_id
    assert store.identities.owner("corp", "corp-ada").account_id == owner
    assert "Corp ID can now sign in" in store.mail.sent[-1]["subject"] and store.mail.sent[-1]["to"] == ADA
    assert isinstance(store.openid, MemoryOpenId)


def test_link_from_settings_wants_a_fresh_session(memory_client, store, monkeypatch):
    from chalicelib.services.earners import sessions

    person = signed_in_browser(memory_client, store)
    path = link_path(person, "corp")
    later = sessions.now() + sessions.FRESH_SECONDS + 5
    monkeypatch.setattr(sessions, "now", lambda: later)
    answer = person.get(path)
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/reauth")


def test_unlink_of_the_last_way_in_is_refused(memory_client, store):
    from chalicelib.services.earners import social

    person = signed_in_browser(memory_client, store)
    account = store.accounts.get(store.accounts.owner_of(ADA).account_id)
    row = social.listing(account, store=store)["identities"][0]
    form = {"csrf_token": csrf_token(person.get("/settings/emails").text), "identity": row["subject_hash"]}
    refused = person.post("/settings/sign-in/identities/google/unlink", form)
    assert refused.status_code == 409 and "last way to sign in" in refused.text
    assert store.identities.owner("google", "g-ada") is not None
    # with a second way in, it goes
    url = authorize_url(person, path=link_path(person, "corp"))
    callback(person, "corp", store.openid.authorize(url, sub="corp-ada"))
    done = person.post("/settings/sign-in/identities/google/unlink", form)
    assert done.status_code == 303 and store.identities.owner("google", "g-ada") is None
    assert person.post("/settings/sign-in/identities/google/unlink", form).status_code == 404


def test_a_link_answer_never_links_to_whoever_is_signed_in_by_then(memory_client, store):
    """Started by one account, finished after the browser changed hands (sign out, someone else in)."""
    person = signed_in_browser(memory_client, store)
    url = authorize_url(person, path=link_path(person, "corp"))
    answer = store.openid.authorize(url, sub="corp-ada")
    person.post("/logout", {"csrf_token": csrf_token(person.get("/login").text)})
    grace = {"sub": "g-grace", "email": "grace@example.org", "email_verified": True}
    page = round_trip(person, store, "google", **grace)
    form = {"csrf_token": csrf_token(page.text), "ceremony": CEREMONY.search(page.text).group(1)}
    person.post("/login/oidc/welcome", form | {"first_name": "Grace", "last_name": "H", "terms": "on"})
    refused = callback(person, "corp", answer)
    assert refused.status_code == 403 and "Sign in to the account you were linking from" in refused.text
    assert store.identities.owner("corp", "corp-ada") is None


def test_a_passwordless_account_confirms_it_is_you_at_its_provider(memory_client, store, monkeypatch):
    """Reauth without a password: sign in again at a provider linked to the account, just now."""
    import time

    from chalicelib.services.earners import sessions
    from tests.support.oidc import query

    person = signed_in_browser(memory_client, store)
    later = sessions.now() + sessions.FRESH_SECONDS + 5
    monkeypatch.setattr(sessions, "now", lambda: later)
    assert person.get(link_path(person, "corp")).headers["Location"].startswith("/reauth")
    reauth_page = person.get("/reauth?next=/settings/sign-in").text
    assert "Confirm with a passkey" not in reauth_page and 'name="password"' not in reauth_page  # neither
    token = csrf_token(person.get("/settings/emails").text)
    assert person.get("/reauth/oidc/google?next=/settings/sign-in").status_code == 403  # no CSRF token
    path = f"/reauth/oidc/google?csrf_token={token}&next=/settings/sign-in"

    def confirm(**claims):
        url = authorize_url(person, path=path)
        assert query(url)["prompt"] == "login" and query(url)["max_age"] == "0"
        return callback(person, "google", store.openid.authorize(url, **claims))

    assert confirm(sub="g-someone-else", auth_time=int(time.time())).status_code == 403  # not linked here
    assert confirm(sub="g-ada", auth_time=int(time.time()) - 3600).status_code == 403  # not asked again
    assert person.get(link_path(person, "corp")).headers["Location"].startswith("/reauth")  # still stale
    done = confirm(sub="g-ada", auth_time=int(later))
    assert done.status_code == 303 and done.headers["Location"] == "/settings/sign-in"
    assert person.get(link_path(person, "corp")).headers["Location"].startswith("https://id.corp.example/")


def test_starting_sign_ins_is_counted_per_client_before_a_ceremony_is_kept(memory_client, store, monkeypatch):
    from chalicelib.services.shared import ratelimit

    monkeypatch.setattr(ratelimit, "CLIENT_FORMS", ratelimit.Limit("client-forms", 3, 3600))
    person = browser(memory_client)
    assert [person.get("/login/oidc/google").status_code for _ in range(4)] == [303, 303, 303, 429]
    assert len(store.db.table("ceremonies")) == 3


def test_link_codes_count_against_the_address(memory_client, store, ada):
    person, page, secret = proof_page(memory_client, store)
    ask = {"csrf_token": csrf_token(page.text), "ceremony": secret}
    assert person.post("/login/oidc/confirm/code", ask).status_code == 200
    again = person.post("/login/oidc/confirm/code", ask)  # within the minute
    assert again.status_code == 429 and "We sent a code recently" in again.text
    assert len([m for m in store.mail.sent if m["to"] == ADA]) == 1


def test_a_busy_store_is_503_and_the_code_still_works(memory_client, store, ada, monkeypatch):
    from chalicelib.errors import Busy

    person, page, secret = proof_page(memory_client, store)
    person.post("/login/oidc/confirm/code", {"csrf_token": csrf_token(page.text), "ceremony": secret})
    code = activation_code(store.mail.sent[-1]["html"])
    real = store.codes.try_link_code

    def busy(*args, **kw):
        raise Busy("throttled")

    monkeypatch.setattr(store.codes, "try_link_code", busy)
    assert post_proof(person, page, secret, code=code).status_code == 503
    monkeypatch.setattr(store.codes, "try_link_code", real)
    assert post_proof(person, page, secret, code=code).status_code == 303
    assert store.identities.owner("google", "g-ada").account_id == ada.id


def test_apple_links_from_settings_through_its_form_post(memory_client, store):
    """Apple's answer is a cross-site POST, which carries no SameSite=Lax session cookie: it is turned into
    a GET that does, so the link still checks who is signed in."""
    person = signed_in_browser(memory_client, store)
    url = authorize_url(person, path=link_path(person, "apple"))
    answer = store.openid.authorize(
        url, sub="a-ada", email="x@privaterelay.appleid.com", email_verified="true"
    )
    session = person.cookies.pop("__Host-laurel_session")  # what the cross-site POST carries: no session
    posted = person.post("/login/oidc/apple/callback", answer)
    person.cookies["__Host-laurel_session"] = session  # the GET it is sent to is a top-level navigation
    done = person.get(posted.headers["Location"])
    assert done.status_code == 303 and done.headers["Location"] == "/settings/sign-in?done=linked"
    owner = store.accounts.owner_of(ADA).account_id
    assert store.identities.owner("apple", "a-ada").account_id == owner
