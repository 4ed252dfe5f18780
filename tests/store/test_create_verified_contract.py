"""AccountRepository.create_verified: a new account whose address was proven already, all or nothing: the
profile, the address verified (only an unverified hold of another account ends), its listing, and the
identity linked when given (one way in); Taken when any of them is not as read; Busy writes nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.errors import Busy, Changed, Taken
from chalicelib.store.accounts import AccountEmail
from chalicelib.store.identities import Identity
from tests.support.stored import AT, account, registered

EMAIL = "ada@example.org"


def newcomer(**kw):
    return replace(account(), password_hash=None, terms_at=AT, product_mail=True, **kw)


def google(account_id: str = "ada") -> Identity:
    return Identity("google", "g-1", account_id, AT, email=EMAIL)


def written(store) -> tuple:
    return (
        store.accounts.get("ada"),
        store.accounts.owner_of(EMAIL),
        store.accounts.addresses("ada", consistent=True),
        store.identities.owner("google", "g-1"),
    )


def test_the_account_is_kept_with_its_address_verified(store):
    store.accounts.create_verified(newcomer(), EMAIL, holder=None)
    assert store.accounts.get("ada") == newcomer()
    owner = store.accounts.owner_of(EMAIL)
    assert (owner.account_id, owner.verified, owner.verified_at) == ("ada", True, AT)
    assert store.accounts.addresses("ada", consistent=True) == [AccountEmail("ada", EMAIL, AT, verified=True)]
    assert store.accounts.address("ada", EMAIL).verified is True


def test_with_an_identity_it_is_linked_and_the_one_way_in(store):
    store.accounts.create_verified(newcomer(), EMAIL, holder=None, identity=google())
    assert store.accounts.get("ada") == newcomer(ways_in=1)
    assert store.identities.owner("google", "g-1") == google()
    assert store.identities.listing("ada") == [google()]


def test_the_identity_is_linked_to_the_new_account_whatever_it_named(store):
    store.accounts.create_verified(newcomer(), EMAIL, holder=None, identity=google("someone-else"))
    assert store.identities.owner("google", "g-1") == google()
    assert store.identities.listing("someone-else") == []


def test_an_empty_password_is_never_stored(store):
    store.accounts.create_verified(
        replace(newcomer(), password_hash=""), EMAIL, holder=None, identity=google()
    )
    assert store.accounts.get("ada").password_hash is None
    with pytest.raises(Changed):  # "" would have counted as a password: the last way in would go
        store.identities.unlink("ada", "google", "g-1")


def test_an_unverified_hold_of_another_account_ends(store):
    registered(store, "bob", EMAIL, verified=False)
    store.accounts.create_verified(newcomer(), EMAIL, holder=store.accounts.owner_of(EMAIL))
    assert store.accounts.owner_of(EMAIL).account_id == "ada"
    assert store.accounts.owner_of(EMAIL).verified is True
    assert store.accounts.addresses("bob", consistent=True) == []


def test_a_verified_owner_is_never_displaced_and_nothing_is_written(store):
    registered(store, "bob", EMAIL)
    for holder in (None, store.accounts.owner_of(EMAIL)):
        with pytest.raises(Taken):
            store.accounts.create_verified(newcomer(), EMAIL, holder=holder, identity=google())
    assert written(store) == (None, store.accounts.owner_of(EMAIL), [], None)
    assert store.accounts.owner_of(EMAIL).account_id == "bob"


def test_a_hold_verified_since_it_was_read_is_taken(store):
    registered(store, "bob", EMAIL, verified=False)
    holder = store.accounts.owner_of(EMAIL)
    store.accounts.verify_address("bob", EMAIL, at=AT)
    with pytest.raises(Taken):
        store.accounts.create_verified(newcomer(), EMAIL, holder=holder)
    assert store.accounts.get("ada") is None
    assert store.accounts.owner_of(EMAIL).account_id == "bob"


def test_an_identity_linked_already_is_taken_and_nothing_is_written(store):
    registered(store, "bob", "bob@example.org")
    store.identities.link(google("bob"))
    with pytest.raises(Taken):
        store.accounts.create_verified(newcomer(), EMAIL, holder=None, identity=google())
    assert written(store) == (None, None, [], google("bob"))
    assert store.accounts.get("bob").ways_in == 1


def test_an_existing_account_is_taken(store):
    registered(store, "ada", "first@example.org")
    with pytest.raises(Taken):
        store.accounts.create_verified(newcomer(), EMAIL, holder=None)
    assert store.accounts.owner_of(EMAIL) is None
    assert store.accounts.get("ada").primary_email == "first@example.org"


@pytest.mark.parametrize("conflict", [False, True])
def test_a_busy_store_writes_nothing_and_says_busy(store, refuse_next, conflict):
    refuse_next(conflict=conflict)
    with pytest.raises(Busy):
        store.accounts.create_verified(newcomer(), EMAIL, holder=None, identity=google())
    assert written(store) == (None, None, [], None)
