"""CodeRepository for issue 11: a sign-up code kept with its link (a OneTimeToken of kind "signup" and no
account) and replaced with it in one transaction; a link code bound to the asking ceremony; tries counted
under a ceiling, also when they race; a busy store is Busy, never a used-up code."""

from __future__ import annotations

import pytest

from chalicelib.errors import Busy, Changed
from chalicelib.store.codes import LinkCode, OneTimeToken, SignupCode
from tests.support.races import race

LATER = 4_000_000_000
EMAIL = "new@example.org"


def signup_link(token_hash: str = "t1") -> OneTimeToken:
    return OneTimeToken(token_hash, "signup", "", EMAIL, LATER)


def signup_code(token_hash: str = "t1", **kw) -> SignupCode:
    return SignupCode(EMAIL, "hash", "salt", token_hash, LATER, **kw)


def link_code(ceremony_hash: str = "c1", **kw) -> LinkCode:
    return LinkCode("owner@example.org", ceremony_hash, "owner", "hash", "salt", LATER, **kw)


def test_a_signup_code_is_kept_with_its_link_and_read_back(store):
    store.codes.replace_signup(signup_code(), signup_link(), previous=None)
    assert store.codes.signup_code(EMAIL) == signup_code()
    assert store.codes.token("t1") == signup_link()
    assert store.codes.signup_code("nobody@example.org") is None


def test_a_new_signup_code_replaces_the_old_one_and_its_link(store):
    store.codes.replace_signup(signup_code("t1", attempts=3), signup_link("t1"), previous=None)
    store.codes.replace_signup(signup_code("t2"), signup_link("t2"), previous="t1")
    assert store.codes.signup_code(EMAIL) == signup_code("t2")
    assert store.codes.token("t1") is None
    assert store.codes.token("t2") == signup_link("t2")


def test_signup_tries_are_counted_until_the_ceiling(store):
    store.codes.replace_signup(signup_code(), signup_link(), previous=None)
    assert [store.codes.try_signup_code(EMAIL, below=3).attempts for _ in range(3)] == [1, 2, 3]
    with pytest.raises(Changed):
        store.codes.try_signup_code(EMAIL, below=3)
    assert store.codes.signup_code(EMAIL).attempts == 3
    with pytest.raises(Changed):
        store.codes.try_signup_code("nobody@example.org", below=3)


def test_dropping_a_signup_forgets_the_code_and_its_link(store):
    store.codes.replace_signup(signup_code(), signup_link(), previous=None)
    store.codes.drop_signup(EMAIL)
    store.codes.drop_signup(EMAIL)
    assert store.codes.signup_code(EMAIL) is None
    assert store.codes.token("t1") is None
    with pytest.raises(Changed):
        store.codes.try_signup_code(EMAIL, below=5)


def test_a_busy_signup_replacement_or_try_changes_nothing(store, refuse_next):
    store.codes.replace_signup(signup_code(), signup_link(), previous=None)
    refuse_next()
    with pytest.raises(Busy):
        store.codes.replace_signup(signup_code("t2"), signup_link("t2"), previous="t1")
    refuse_next()
    with pytest.raises(Busy):
        store.codes.try_signup_code(EMAIL, below=5)
    assert store.codes.signup_code(EMAIL) == signup_code()
    assert (store.codes.token("t1"), store.codes.token("t2")) == (signup_link(), None)


def test_a_link_code_is_replaced_tried_and_dropped(store):
    store.codes.put_link_code(link_code("c0", attempts=4))
    store.codes.put_link_code(link_code())
    assert store.codes.link_code("owner@example.org") == link_code()
    assert store.codes.try_link_code("owner@example.org", below=2).attempts == 1
    assert store.codes.try_link_code("owner@example.org", below=2) == link_code(attempts=2)
    with pytest.raises(Changed):
        store.codes.try_link_code("owner@example.org", below=2)
    store.codes.drop_link_code("owner@example.org")
    store.codes.drop_link_code("owner@example.org")
    assert store.codes.link_code("owner@example.org") is None
    with pytest.raises(Changed):
        store.codes.try_link_code("owner@example.org", below=2)


def test_racing_tries_at_a_link_code_get_exactly_the_ceiling(store):
    store.codes.put_link_code(link_code())
    outcomes = race(
        store, [lambda: store.codes.try_link_code("owner@example.org", below=5) for _ in range(12)]
    )
    assert sorted(o.attempts for o in outcomes if isinstance(o, LinkCode)) == [1, 2, 3, 4, 5]
    assert outcomes.count("Changed") == 7
    assert store.codes.link_code("owner@example.org").attempts == 5


def test_a_busy_link_code_try_is_busy_and_not_counted(store, refuse_next):
    store.codes.put_link_code(link_code())
    refuse_next()
    with pytest.raises(Busy):
        store.codes.try_link_code("owner@example.org", below=5)
    refuse_next()
    with pytest.raises(Busy):
        store.codes.put_link_code(link_code("c2"))
    assert store.codes.link_code("owner@example.org") == link_code()
