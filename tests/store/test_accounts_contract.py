"""AccountRepository: who holds an address (taken vs busy kept apart), verification all or nothing,
passwords and the session epoch, the primary address, removal; both stores."""

from __future__ import annotations

import pytest

from chalicelib.errors import Busy, Changed, Taken
from chalicelib.store.accounts import AccountEmail
from chalicelib.store.codes import ActivationCode, OneTimeToken
from tests.support.stored import AT, LATER, account, registered


def snapshot(store, *emails: str) -> tuple:
    return (
        [store.accounts.get(a) for a in ("ada", "bob")],
        [store.accounts.owner_of(e) for e in emails],
        [store.accounts.addresses(a, consistent=True) for a in ("ada", "bob")],
    )


def test_registration_keeps_the_account_and_its_unverified_address(store):
    store.accounts.register(account(), "ada@example.org", holder=None)
    assert store.accounts.get("ada") == account()
    owner = store.accounts.owner_of("ada@example.org")
    assert (owner.account_id, owner.verified, owner.created_at) == ("ada", False, AT)
    assert store.accounts.addresses("ada") == [AccountEmail("ada", "ada@example.org", AT)]
    assert store.accounts.address("ada", "ada@example.org") == AccountEmail("ada", "ada@example.org", AT)
    assert store.accounts.get("nobody") is None and store.accounts.owner_of("x@example.org") is None


def test_a_verified_address_is_taken_and_nothing_is_written(store):
    registered(store, "bob", "ada@example.org")
    before = snapshot(store, "ada@example.org")
    for holder in (None, store.accounts.owner_of("ada@example.org")):
        with pytest.raises(Taken):
            store.accounts.register(account(), "ada@example.org", holder=holder)
    assert snapshot(store, "ada@example.org") == before


def test_registration_takes_over_an_unverified_hold(store):
    registered(store, "bob", "ada@example.org", verified=False)
    holder = store.accounts.owner_of("ada@example.org")
    store.accounts.register(account(), "ada@example.org", holder=holder)
    assert store.accounts.owner_of("ada@example.org").account_id == "ada"
    assert store.accounts.addresses("bob", consistent=True) == []


def test_a_hold_that_changed_since_it_was_read_is_taken(store):
    registered(store, "bob", "ada@example.org", verified=False)
    holder = store.accounts.owner_of("ada@example.org")
    store.accounts.verify_address("bob", "ada@example.org", at=AT)
    with pytest.raises(Taken):
        store.accounts.register(account(), "ada@example.org", holder=holder)
    assert store.accounts.get("ada") is None


def test_a_busy_store_is_busy_never_taken(store, refuse_next):
    refuse_next()
    with pytest.raises(Busy):
        store.accounts.register(account(), "ada@example.org", holder=None)
    assert store.accounts.get("ada") is None and store.accounts.owner_of("ada@example.org") is None
    store.accounts.register(account(), "ada@example.org", holder=None)  # the retry passes


def test_adding_an_address_holds_it_unless_it_changed(store):
    registered(store)
    store.accounts.add_address("ada", "work@example.org", holder=None, at=LATER)
    assert store.accounts.address("ada", "work@example.org") == AccountEmail("ada", "work@example.org", LATER)
    registered(store, "bob", "bob@example.org")
    with pytest.raises(Changed):
        store.accounts.add_address("bob", "work@example.org", holder=None, at=LATER)
    assert store.accounts.address("bob", "work@example.org") is None
    store.accounts.add_address(
        "bob", "work@example.org", holder=store.accounts.owner_of("work@example.org"), at=LATER
    )
    assert store.accounts.owner_of("work@example.org").account_id == "bob"
    assert store.accounts.address("ada", "work@example.org") is None


def _activation(store, email: str, token_hash: str = "t1") -> None:
    code = ActivationCode(email, "ada", "h", "s", token_hash, 4_000_000_000)
    token = OneTimeToken(token_hash, "activate", "ada", email, 4_000_000_000)
    store.codes.replace_activation(code, token, previous=None)


def test_verification_spends_code_and_link_and_may_set_a_password(store):
    store.accounts.register(account(), "ada@example.org", holder=None)
    _activation(store, "ada@example.org")
    store.accounts.verify_address("ada", "ada@example.org", at=LATER, spend="t1", password_hash="new")
    owner = store.accounts.owner_of("ada@example.org")
    assert (owner.verified, owner.verified_at) == (True, LATER)
    assert store.accounts.address("ada", "ada@example.org").verified
    assert store.codes.token("t1") is None and store.codes.activation_code("ada@example.org") is None
    found = store.accounts.get("ada")
    assert (found.password_hash, found.session_epoch, found.updated_at) == ("new", 1, LATER)


def test_a_replaced_code_verifies_nothing(store, refuse_next):
    store.accounts.register(account(), "ada@example.org", holder=None)
    _activation(store, "ada@example.org", "t2")
    store.codes.put_token(
        OneTimeToken("t1", "activate", "ada", "ada@example.org", 4_000_000_000)
    )  # a live link
    before = (store.accounts.owner_of("ada@example.org"), store.codes.activation_code("ada@example.org"))
    with pytest.raises(Changed):
        store.accounts.verify_address("ada", "ada@example.org", at=LATER, spend="t1", password_hash="new")
    refuse_next()
    with pytest.raises(Busy):
        store.accounts.verify_address("ada", "ada@example.org", at=LATER, spend="t2")
    assert (
        store.accounts.owner_of("ada@example.org"),
        store.codes.activation_code("ada@example.org"),
    ) == before
    assert store.accounts.get("ada") == account()
    assert store.codes.token("t1") is not None  # the code that went with another link spends nothing


def test_a_password_set_against_an_old_epoch_is_refused(store):
    registered(store)
    assert store.accounts.set_password("ada", "second", at=LATER, epoch=0) == store.accounts.get("ada")
    with pytest.raises(Changed):
        store.accounts.set_password("ada", "third", at=LATER, epoch=0)
    store.accounts.set_password("ada", "third", at=LATER)
    store.accounts.rehash_password("ada", "rehashed")
    found = store.accounts.get("ada")
    assert (found.password_hash, found.session_epoch) == ("rehashed", 2)


def test_only_a_verified_address_becomes_primary_and_the_primary_stays(store):
    registered(store)
    store.accounts.add_address("ada", "work@example.org", holder=None, at=LATER)
    with pytest.raises(Changed):
        store.accounts.make_primary("ada", "work@example.org", at=LATER)
    store.accounts.verify_address("ada", "work@example.org", at=LATER)
    store.accounts.make_primary("ada", "work@example.org", at=LATER)
    assert store.accounts.get("ada").primary_email == "work@example.org"
    with pytest.raises(Changed):
        store.accounts.remove_address("ada", "work@example.org")
    store.accounts.remove_address("ada", "ada@example.org")
    assert store.accounts.owner_of("ada@example.org") is None
    assert [a.email for a in store.accounts.addresses("ada", consistent=True)] == ["work@example.org"]
    with pytest.raises(Changed):
        store.accounts.remove_address("ada", "ada@example.org")


def test_a_public_address_belongs_to_one_account(store):
    registered(store)
    registered(store, "bob", "bob@example.org")
    store.accounts.set_profile("ada", public=True, slug="ada-l", old_slug=None, at=LATER)
    found = store.accounts.get("ada")
    assert (found.public, found.slug, found.updated_at) == (True, "ada-l", LATER)
    assert store.accounts.slug_holder("ada-l") == "ada"
    with pytest.raises(Taken):
        store.accounts.set_profile("bob", public=True, slug="ada-l", old_slug=None, at=LATER)
    assert store.accounts.get("bob").slug is None
    store.accounts.set_profile("ada", public=False, slug="ada-2", old_slug="ada-l", at=LATER)
    assert (store.accounts.slug_holder("ada-l"), store.accounts.slug_holder("ada-2")) == (None, "ada")
    store.accounts.set_profile("bob", public=True, slug="ada-l", old_slug=None, at=LATER)
    assert store.accounts.slug_holder("ada-l") == "bob"


def test_career_goals_are_set_and_cleared(store):
    registered(store)
    store.accounts.set_career_goals("ada", "Become a data scientist", at=LATER)
    assert store.accounts.get("ada").career_goals == "Become a data scientist"
    store.accounts.set_career_goals("ada", None, at=LATER)
    assert store.accounts.get("ada").career_goals is None
