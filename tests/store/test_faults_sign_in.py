"""A busy store during a sign-in is a 503 the person can retry, never a spent proof: a code try, a
ceremony taken, a passkey's sign count, each refused for now (throttled, or a conflicting transaction)
counts, spends and moves nothing, and the same request a moment later passes. Through the shared
services (onetime.check, ceremonies.finish) on both stores."""

from __future__ import annotations

import pytest

from chalicelib.errors import Busy, Invalid
from chalicelib.services.earners import ceremonies
from chalicelib.services.earners.ceremonies import CeremonyGone
from chalicelib.services.shared import onetime
from chalicelib.store.codes import LinkCode, OneTimeToken, SignupCode
from chalicelib.store.passkeys import Passkey
from tests.support.stored import AT, LATER, registered

EMAIL = "new@example.org"
EXPIRES = 4_000_000_000
DEAD = onetime.code_error("This code is no longer valid.")


def signup_code(store) -> str:
    code, salt = onetime.new_code()
    kept = SignupCode(EMAIL, onetime.code_hash(salt, code), salt, "t1", EXPIRES)
    store.codes.replace_signup(kept, OneTimeToken("t1", "signup", "", EMAIL, EXPIRES), previous=None)
    return code


def link_code(store) -> str:
    code, salt = onetime.new_code()
    store.codes.put_link_code(LinkCode(EMAIL, "c1", "owner", onetime.code_hash(salt, code), salt, EXPIRES))
    return code


@pytest.mark.parametrize("conflict", [False, True])
def test_a_busy_signup_code_try_is_503_and_counts_nothing(store, refuse_next, conflict):
    code = signup_code(store)
    refuse_next(conflict=conflict)
    with pytest.raises(Busy) as busy:
        onetime.check(code, lambda: store.codes.try_signup_code(EMAIL, below=5), dead=DEAD)
    assert busy.value.status == 503
    assert store.codes.signup_code(EMAIL).attempts == 0
    assert store.codes.token("t1") is not None  # the mailed link still works too
    assert onetime.check(code, lambda: store.codes.try_signup_code(EMAIL, below=5), dead=DEAD).attempts == 1


def test_a_busy_link_code_try_is_503_and_counts_nothing(store, refuse_next):
    code = link_code(store)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(Invalid):  # a wrong code is counted
        onetime.check(wrong, lambda: store.codes.try_link_code(EMAIL, below=5), dead=DEAD)
    refuse_next()
    with pytest.raises(Busy):
        onetime.check(code, lambda: store.codes.try_link_code(EMAIL, below=5), dead=DEAD)
    assert store.codes.link_code(EMAIL).attempts == 1
    assert onetime.check(code, lambda: store.codes.try_link_code(EMAIL, below=5), dead=DEAD).attempts == 2


@pytest.mark.parametrize("conflict", [False, True])
def test_a_busy_ceremony_finish_is_503_never_gone_and_spends_nothing(store, refuse_next, conflict):
    secret = ceremonies.begin("oidc", browser="b1", seconds=600, data={"nonce": "n"}, store=store)
    refuse_next(conflict=conflict)
    with pytest.raises(Busy) as busy:
        ceremonies.finish(secret, "oidc", browser="b1", store=store)
    assert busy.value.status == 503 and not isinstance(busy.value, CeremonyGone)
    assert ceremonies.peek(secret, "oidc", browser="b1", store=store).data == {"nonce": "n"}
    assert ceremonies.finish(secret, "oidc", browser="b1", store=store).data == {"nonce": "n"}
    with pytest.raises(CeremonyGone):
        ceremonies.finish(secret, "oidc", browser="b1", store=store)


def test_a_busy_ceremony_begin_keeps_nothing_and_a_retry_starts_one(store, refuse_next):
    refuse_next()
    with pytest.raises(Busy):
        ceremonies.begin("passkey-sign-in", browser="b1", seconds=300, store=store)
    secret = ceremonies.begin("passkey-sign-in", browser="b1", seconds=300, store=store)
    assert ceremonies.finish(secret, "passkey-sign-in", browser="b1", store=store).kind == "passkey-sign-in"


def test_a_busy_passkey_sign_in_moves_no_count_and_the_retry_passes(store, refuse_next):
    registered(store)
    store.passkeys.add(Passkey("cred-1", "ada", b"cose", 3, "Phone", AT), most=10)
    refuse_next()
    with pytest.raises(Busy) as busy:
        store.passkeys.used("cred-1", old_count=3, new_count=4, at=LATER)
    assert busy.value.status == 503
    assert (store.passkeys.get("cred-1").sign_count, store.passkeys.get("cred-1").last_used_at) == (3, None)
    store.passkeys.used("cred-1", old_count=3, new_count=4, at=LATER)
    assert store.passkeys.get("cred-1").sign_count == 4
