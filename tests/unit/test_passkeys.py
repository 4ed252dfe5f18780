"""Passkeys, attacker first, on the in-memory store with a software authenticator (tests/support/webauthn.py):
who else could sign in with a passkey, or add one to someone's account? A replayed or late answer, one
made for another site, one without the person's PIN or fingerprint, one naming another account, a
removed or cloned device, another browser, a flood of passkeys."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from chalicelib.errors import Conflict, Gone, Invalid, NotFound
from chalicelib.services.earners import passkeys, sign_in_methods
from chalicelib.services.shared import ids, ratelimit
from chalicelib.services.shared.mailer import MailLimited
from chalicelib.services.shared.ratelimit import TooMany
from chalicelib.store.accounts import Account
from tests.support.webauthn import BROWSER, ORIGIN, OTHER_BROWSER, Authenticator, b64url, passwordless_account

IP = "192.0.2.7"
make_account = passwordless_account


def register(store, account: Account, device: Authenticator, name: str = "Phone", **breaks):
    started = passkeys.registration_options(account, browser=BROWSER, store=store)
    answer = json.dumps(device.create(started.options, **breaks))
    return passkeys.register(account, answer, name, started.ceremony, browser=BROWSER, store=store)


def answer_for(store, device: Authenticator, **breaks) -> tuple[str, str]:
    """A sign-in's ceremony begun in BROWSER and the device's answer to it: (answer JSON, ceremony secret)."""
    started = passkeys.sign_in_options(IP, browser=BROWSER, store=store)
    return json.dumps(device.get(started.options, **breaks)), started.ceremony


def sign_in(store, answer: str, secret: str, browser: str = BROWSER):
    return passkeys.sign_in(answer, secret, IP, browser=browser, store=store)


@pytest.fixture
def ada(memory_store):
    return make_account(memory_store, "ada@example.org")


@pytest.fixture
def phone(memory_store, ada):
    """Ada's phone, holding one registered passkey."""
    device = Authenticator(ORIGIN)
    register(memory_store, ada, device)
    return device


def test_a_passkey_signs_in_with_no_password_and_its_use_is_recorded(memory_store, ada, phone):
    added = memory_store.mail.sent[-1]
    assert added["to"] == "ada@example.org" and "Phone" in added["text"]
    assert memory_store.accounts.get(ada.id).ways_in == 1
    signed_in = sign_in(memory_store, *answer_for(memory_store, phone))
    assert signed_in.id == ada.id
    (kept,) = memory_store.passkeys.listing(ada.id)
    assert kept.sign_count == 1 and kept.last_used_at is not None and kept.name == "Phone"


def test_challenge_is_single_use(memory_store, phone):
    answer, secret = answer_for(memory_store, phone)
    sign_in(memory_store, answer, secret)
    with pytest.raises(passkeys.Refused, match="Start again"):  # replayed: the ceremony is spent
        sign_in(memory_store, answer, secret)


def test_challenge_is_single_use_for_a_passkey_that_never_counts(memory_store, ada):
    synced = Authenticator(ORIGIN)  # synced passkeys (iCloud, Google) keep their count at 0
    register(memory_store, ada, synced)
    answer, secret = answer_for(memory_store, synced, count=0)
    assert sign_in(memory_store, answer, secret).id == ada.id
    with pytest.raises(passkeys.Refused):  # only the spent ceremony stops this replay
        sign_in(memory_store, answer, secret)


def test_an_answer_to_one_challenge_does_not_open_another(memory_store, phone):
    answer, _ = answer_for(memory_store, phone)
    _, other_secret = answer_for(memory_store, phone)
    with pytest.raises(passkeys.Refused):
        sign_in(memory_store, answer, other_secret)


def test_challenge_expires_after_5_minutes(memory_store, ada, phone, monkeypatch):
    real = time.time
    in_time = answer_for(memory_store, phone)
    late = answer_for(memory_store, phone, count=10)
    monkeypatch.setattr(time, "time", lambda: real() + passkeys.SECONDS - 5)
    assert sign_in(memory_store, *in_time).id == ada.id
    monkeypatch.setattr(time, "time", lambda: real() + passkeys.SECONDS + 1)
    with pytest.raises(passkeys.Refused, match="expired"):
        sign_in(memory_store, *late)


def test_assertion_without_user_verification_is_refused(memory_store, ada, phone):
    with pytest.raises(passkeys.Refused):
        sign_in(memory_store, *answer_for(memory_store, phone, uv=False))
    with pytest.raises(passkeys.Refused):  # nor without the person present
        sign_in(memory_store, *answer_for(memory_store, phone, up=False))
    with pytest.raises(Invalid):  # nor registered without it
        register(memory_store, ada, Authenticator(ORIGIN), uv=False)
    assert len(memory_store.passkeys.listing(ada.id)) == 1


@pytest.mark.parametrize(
    "breaks",
    [
        {"origin": "https://badges.example.evil"},
        {"origin": "http://badges.example"},
        {"rp_id": "evil.example"},
    ],
)
def test_wrong_origin_or_rp_id_is_refused(memory_store, ada, phone, breaks):
    with pytest.raises(passkeys.Refused):
        sign_in(memory_store, *answer_for(memory_store, phone, **breaks))
    with pytest.raises(Invalid):  # a phishing site's registration is not kept either
        register(memory_store, ada, Authenticator(ORIGIN), **breaks)
    assert len(memory_store.passkeys.listing(ada.id)) == 1


def test_user_handle_must_match_the_credentials_account(memory_store, ada, phone):
    eve = make_account(memory_store, "eve@example.org")
    eves_phone = Authenticator(ORIGIN)
    register(memory_store, eve, eves_phone)
    # Eve's own valid passkey, claiming to be Ada's account: signs her in as Eve or not at all, never as Ada.
    with pytest.raises(passkeys.Refused):
        sign_in(memory_store, *answer_for(memory_store, eves_phone, user_handle=ada.id.encode()))
    with pytest.raises(passkeys.Refused):  # a discoverable sign-in names its account
        sign_in(memory_store, *answer_for(memory_store, eves_phone, user_handle=b""))
    assert sign_in(memory_store, *answer_for(memory_store, eves_phone)).id == eve.id


def test_removed_passkey_is_refused(memory_store, ada, phone):
    memory_store.accounts.set_password(ada.id, "argon2-hash-stand-in", at=ids.now())  # another way in
    (kept,) = memory_store.passkeys.listing(ada.id)
    sign_in_methods.remove_passkey(ada, kept.credential_id, store=memory_store)
    with pytest.raises(passkeys.Refused):
        sign_in(memory_store, *answer_for(memory_store, phone))


def test_sign_count_going_back_is_refused(memory_store, ada, phone):
    assert sign_in(memory_store, *answer_for(memory_store, phone, count=5)).id == ada.id
    with pytest.raises(passkeys.Refused):  # a cloned device replaying an old count
        sign_in(memory_store, *answer_for(memory_store, phone, count=5))
    with pytest.raises(passkeys.Refused):
        sign_in(memory_store, *answer_for(memory_store, phone, count=3))
    assert sign_in(memory_store, *answer_for(memory_store, phone, count=6)).id == ada.id


def test_a_count_that_stays_at_zero_is_a_synced_passkey_and_signs_in(memory_store, ada):
    synced = Authenticator(ORIGIN)
    register(memory_store, ada, synced)
    for _ in range(2):
        assert sign_in(memory_store, *answer_for(memory_store, synced, count=0)).id == ada.id


def test_ceremony_of_another_browser_is_refused(memory_store, phone):
    answer, secret = answer_for(memory_store, phone)
    with pytest.raises(passkeys.Refused, match="another browser"):
        sign_in(memory_store, answer, secret, browser=OTHER_BROWSER)
    with pytest.raises(passkeys.Refused):
        sign_in(memory_store, answer, secret, browser=None)


def test_registration_ceremony_is_the_browsers_and_the_accounts(memory_store, ada):
    eve = make_account(memory_store, "eve@example.org")
    started = passkeys.registration_options(ada, browser=BROWSER, store=memory_store)
    answer = json.dumps(Authenticator(ORIGIN).create(started.options))
    with pytest.raises(Gone):
        passkeys.register(ada, answer, "x", started.ceremony, browser=OTHER_BROWSER, store=memory_store)
    started = passkeys.registration_options(ada, browser=BROWSER, store=memory_store)
    answer = json.dumps(Authenticator(ORIGIN).create(started.options))
    with pytest.raises(Gone):  # Ada's ceremony, finished signed in as Eve in the same browser
        passkeys.register(eve, answer, "x", started.ceremony, browser=BROWSER, store=memory_store)
    assert memory_store.passkeys.listing(eve.id) == [] == memory_store.passkeys.listing(ada.id)


def test_eleventh_passkey_is_refused(memory_store, ada, monkeypatch):
    monkeypatch.setattr(ratelimit, "MAIL_TO_HOUR", ratelimit.Limit("mail-to-hour", 50, 3600))  # 10 notices
    for n in range(passkeys.MOST - 1):
        register(memory_store, ada, Authenticator(ORIGIN), name=f"Key {n}")
    late = passkeys.registration_options(ada, browser=BROWSER, store=memory_store)  # asked at 9
    register(memory_store, ada, Authenticator(ORIGIN), name="Tenth")
    with pytest.raises(Conflict, match="the most"):
        passkeys.registration_options(ada, browser=BROWSER, store=memory_store)
    answer = json.dumps(Authenticator(ORIGIN).create(late.options))
    with pytest.raises(Conflict, match="the most"):  # the options' check passed; the store's refuses
        passkeys.register(ada, answer, "Eleventh", late.ceremony, browser=BROWSER, store=memory_store)
    assert len(memory_store.passkeys.listing(ada.id)) == passkeys.MOST


def test_sign_in_options_reveal_no_account(memory_store, ada, phone):
    started = passkeys.sign_in_options(IP, browser=BROWSER, store=memory_store)
    assert started.options["allowCredentials"] == [] and started.options["userVerification"] == "required"
    assert set(started.options) == {"challenge", "timeout", "rpId", "allowCredentials", "userVerification"}
    assert started.options["rpId"] == "badges.example"


def test_registration_asks_for_a_discoverable_verified_passkey_and_excludes_those_held(
    memory_store, ada, phone
):
    started = passkeys.registration_options(ada, browser=BROWSER, store=memory_store)
    selection = started.options["authenticatorSelection"]
    assert selection["residentKey"] == "required" and selection["userVerification"] == "required"
    assert started.options["attestation"] == "none"
    assert started.options["user"]["id"] == b64url(ada.id.encode())  # random; no address in the handle
    assert [c["id"] for c in started.options["excludeCredentials"]] == [phone.credentials[0].id_b64]


def test_a_merged_account_does_not_sign_in_with_its_passkey(memory_store, ada, phone):
    accounts = memory_store.db.table("accounts")
    accounts[ada.id] = replace(accounts[ada.id], merged_into="someone-else")
    with pytest.raises(passkeys.Refused, match="closed"):
        sign_in(memory_store, *answer_for(memory_store, phone))


def test_the_last_way_in_cannot_be_removed_and_says_so(memory_store, ada, phone):
    (kept,) = memory_store.passkeys.listing(ada.id)
    with pytest.raises(sign_in_methods.LastWayIn, match="only way to sign in"):
        sign_in_methods.remove_passkey(ada, kept.credential_id, store=memory_store)
    eve = make_account(memory_store, "eve@example.org")
    with pytest.raises(NotFound):  # nor can another account remove or rename it
        sign_in_methods.remove_passkey(eve, kept.credential_id, store=memory_store)
    with pytest.raises(NotFound):
        sign_in_methods.rename_passkey(eve, kept.credential_id, "Mine now", store=memory_store)
    assert memory_store.passkeys.get(kept.credential_id).name == "Phone"


def test_rename_is_one_bounded_line(memory_store, ada, phone):
    (kept,) = memory_store.passkeys.listing(ada.id)
    sign_in_methods.rename_passkey(ada, kept.credential_id, "  Work laptop ", store=memory_store)
    assert memory_store.passkeys.get(kept.credential_id).name == "Work laptop"
    for bad in ("x" * (passkeys.MAX_NAME + 1), "two\nlines", "bell\x07"):
        with pytest.raises(Invalid):
            sign_in_methods.rename_passkey(ada, kept.credential_id, bad, store=memory_store)


@pytest.mark.parametrize(
    "answer",
    ["x" * (passkeys.MAX_RESPONSE + 1), "{not json", "[]", '{"id": 5}', '{"id": "../../etc"}', "[" * 5000],
)
def test_an_oversized_or_malformed_answer_is_refused(memory_store, phone, answer):
    _, secret = answer_for(memory_store, phone)
    with pytest.raises(passkeys.Refused):
        sign_in(memory_store, answer, secret)


def test_sign_in_tries_are_counted_per_client_before_anything_is_checked(memory_store, ada, phone):
    for _ in range(50):
        with pytest.raises(passkeys.Refused):
            sign_in(memory_store, "{}", "no such ceremony")
    with pytest.raises(TooMany):  # the 51st, though right, waits
        sign_in(memory_store, *answer_for(memory_store, phone))


def test_reauth_takes_only_the_sessions_own_passkey(memory_store, ada, phone):
    eve = make_account(memory_store, "eve@example.org")
    eves_phone = Authenticator(ORIGIN)
    register(memory_store, eve, eves_phone)
    started = passkeys.reauth_options(ada, browser=BROWSER, store=memory_store)
    assert [c["id"] for c in started.options["allowCredentials"]] == [phone.credentials[0].id_b64]
    answer = json.dumps(eves_phone.get(started.options, credential=eves_phone.credentials[0]))
    with pytest.raises(passkeys.Refused):
        passkeys.reauth(ada, answer, started.ceremony, IP, browser=BROWSER, store=memory_store)
    started = passkeys.reauth_options(ada, browser=BROWSER, store=memory_store)
    answer = json.dumps(phone.get(started.options))
    passkeys.reauth(ada, answer, started.ceremony, IP, browser=BROWSER, store=memory_store)
    with pytest.raises(passkeys.Refused):  # a sign-in ceremony does not confirm a session
        passkeys.reauth(ada, *answer_for(memory_store, phone), IP, browser=BROWSER, store=memory_store)


def test_a_passkey_is_never_added_without_its_notice(memory_store, ada):
    for _ in range(ratelimit.MAIL_TO_HOUR.limit):  # someone filled the address's mail cap
        ratelimit.MAIL_TO_HOUR.hit("ada@example.org", store=memory_store)
    sent = len(memory_store.mail.sent)
    with pytest.raises(MailLimited):
        register(memory_store, ada, Authenticator(ORIGIN))
    assert memory_store.passkeys.listing(ada.id) == [] and len(memory_store.mail.sent) == sent


def test_a_passkey_for_an_account_closed_meanwhile_is_not_kept(memory_store, ada):
    started = passkeys.registration_options(ada, browser=BROWSER, store=memory_store)
    accounts = memory_store.db.table("accounts")
    accounts[ada.id] = replace(accounts[ada.id], merged_into="someone-else")  # merged between the two steps
    answer = json.dumps(Authenticator(ORIGIN).create(started.options))
    with pytest.raises(Conflict, match="closed"):
        passkeys.register(ada, answer, "Late", started.ceremony, browser=BROWSER, store=memory_store)
    assert memory_store.passkeys.listing(ada.id) == []


def test_a_passkey_moved_by_a_merge_signs_in_to_the_surviving_account(memory_store, ada, phone):
    grace = make_account(memory_store, "grace@example.org")
    (moved,) = memory_store.passkeys.listing(ada.id)
    accounts, keys = memory_store.db.table("accounts"), memory_store.db.table("passkeys")
    accounts[ada.id] = replace(accounts[ada.id], merged_into=grace.id)  # as the merge leaves them
    keys[moved.credential_id] = replace(moved, account_id=grace.id)
    assert sign_in(memory_store, *answer_for(memory_store, phone)).id == grace.id  # the device says "Ada"
    eve = make_account(memory_store, "eve@example.org")  # an open account is no alias of another
    with pytest.raises(passkeys.Refused):
        sign_in(memory_store, *answer_for(memory_store, phone, user_handle=eve.id.encode()))


def test_anyone_asking_for_sign_in_options_is_counted_per_client(memory_store):
    for _ in range(ratelimit.CLIENT_FORMS.limit):
        passkeys.sign_in_options(IP, browser=BROWSER, store=memory_store)
    kept = len(memory_store.db.table("ceremonies"))
    with pytest.raises(TooMany):  # no more ceremonies kept for this client this hour
        passkeys.sign_in_options(IP, browser=BROWSER, store=memory_store)
    assert len(memory_store.db.table("ceremonies")) == kept
    assert passkeys.sign_in_options("198.51.100.9", browser=BROWSER, store=memory_store).ceremony
