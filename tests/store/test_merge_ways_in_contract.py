"""A merge brings the old account's identities and passkeys to the survivor: each signs in to the
survivor from then on, counted once among its ways in (also when a crash stops the merge between
steps), and none stays behind on the closed account."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.errors import Changed
from chalicelib.store.identities import Identity
from chalicelib.store.passkeys import Passkey
from tests.support.stored import AT, passwordless, registered


class Crash(Exception):
    pass


def merge_module(store):
    """Where the merge's step size and crash hook live, on this store."""
    if hasattr(store, "db"):
        from chalicelib.store.memory import accounts

        return accounts
    from chalicelib.store.dynamo import merge

    return merge


def finish(store, into: str = "ada", old: str = "bob"):
    while (record := store.accounts.merge_record(into, old)).state != "done":
        if not store.accounts.move_merge_step(record):
            store.accounts.finish_merge(record)
    return store.accounts.merge_record(into, old)


def google(account_id: str, subject: str) -> Identity:
    return Identity("google", subject, account_id, AT)


def passkey(account_id: str, credential_id: str, n: int = 0) -> Passkey:
    return Passkey(credential_id, account_id, b"\x01cose", 0, "Phone", AT + timedelta(seconds=n))


def ways(store, account_id: str) -> tuple[int, int]:
    """(the count on the profile, the identities and passkeys listed): equal when nothing is lost."""
    listed = len(store.identities.listing(account_id)) + len(store.passkeys.listing(account_id))
    return store.accounts.get(account_id).ways_in, listed


@pytest.fixture
def two(store):
    registered(store, "ada", "ada@example.org")
    store.identities.link(google("ada", "g-ada"))
    passwordless(store, "bob", "bob@example.org", identity=google("bob", "g-bob"))
    store.identities.link(Identity("apple", "a-bob", "bob", AT))
    for n in range(2):
        store.passkeys.add(passkey("bob", f"bob-{n}", n), most=10)
    return store


def test_the_old_accounts_ways_in_sign_in_to_the_survivor(two):
    store = two
    store.accounts.close_for_merge("ada", "bob", proof="code", email="bob@example.org")
    finish(store)
    assert store.identities.owner("google", "g-bob").account_id == "ada"
    assert store.identities.owner("apple", "a-bob").account_id == "ada"
    assert {store.passkeys.get(f"bob-{n}").account_id for n in range(2)} == {"ada"}
    assert ways(store, "ada") == (5, 5)
    assert store.identities.listing("bob") == [] and store.passkeys.listing("bob") == []
    assert store.accounts.get("ada").password_hash == "hash"  # the survivor's own


def test_the_survivor_can_remove_what_came_over_and_the_old_account_cannot(two):
    store = two
    store.accounts.close_for_merge("ada", "bob", proof="code", email="bob@example.org")
    finish(store)
    for refused in (
        lambda: store.identities.unlink("bob", "google", "g-bob"),
        lambda: store.passkeys.remove("bob", "bob-0"),
        lambda: store.passkeys.rename("bob", "bob-0", "Stolen"),
    ):
        with pytest.raises(Changed):
            refused()
    store.identities.unlink("ada", "google", "g-bob")
    store.passkeys.remove("ada", "bob-0")
    assert ways(store, "ada") == (3, 3)


def test_passkeys_brought_over_count_against_the_most(two):
    store = two
    for n in range(8):
        store.passkeys.add(passkey("ada", f"ada-{n}", n), most=10)
    store.accounts.close_for_merge("ada", "bob", proof="code", email="bob@example.org")
    finish(store)
    assert len(store.passkeys.listing("ada")) == 10 == store.accounts.get("ada").passkeys
    with pytest.raises(Changed):
        store.passkeys.add(passkey("ada", "one-more"), most=10)


def test_a_crash_between_steps_counts_each_way_in_once(two, monkeypatch):
    store, module = two, merge_module(two)
    monkeypatch.setattr(module, "MAX_ITEMS", 5)  # one way in (3 writes), the counts and the record per step
    store.accounts.close_for_merge("ada", "bob", proof="code", email="bob@example.org")
    assert store.accounts.move_merge_step(store.accounts.merge_record("ada", "bob")) is True  # the address

    def crash(into_id, old_id, step):
        if step == 3:
            raise Crash

    monkeypatch.setattr(module, "before_step", crash)
    assert store.accounts.move_merge_step(store.accounts.merge_record("ada", "bob")) is True
    with pytest.raises(Crash):
        store.accounts.move_merge_step(store.accounts.merge_record("ada", "bob"))
    assert ways(store, "ada") == (2, 2)
    monkeypatch.setattr(module, "before_step", None)
    record = finish(store)
    assert ways(store, "ada") == (5, 5)
    assert record.steps == 5  # the address, then the four ways in one by one
