"""The merge in AccountRepository: closing both-open accounts only through a verified address, moving
in steps that a crash can stop anywhere and a resume finishes, with every address moved once."""

from __future__ import annotations

import pytest

from chalicelib.errors import Busy, Changed
from tests.support.stored import AT, registered

OLD = ["old@example.org", "old2@example.org", "old3@example.org"]


class Crash(Exception):
    pass


def merge_module(store):
    if hasattr(store, "db"):
        from chalicelib.store.memory import accounts

        return accounts
    from chalicelib.store.dynamo import merge

    return merge


@pytest.fixture
def two(store):
    registered(store, "ada", "ada@example.org")
    registered(store, "bob", OLD[0])
    for email in OLD[1:]:
        store.accounts.add_address("bob", email, holder=None, at=AT)
        store.accounts.verify_address("bob", email, at=AT)
    return store


def finish(store, into: str = "ada", old: str = "bob"):
    while (record := store.accounts.merge_record(into, old)).state != "done":
        if not store.accounts.move_merge_step(record):
            store.accounts.finish_merge(record)
    return store.accounts.merge_record(into, old)


def test_a_merge_moves_every_address_once_and_closes_the_old_account(two):
    store = two
    store.accounts.close_for_merge("ada", "bob", proof="password", email=OLD[1])
    assert store.accounts.running_merges("ada") == [store.accounts.merge_record("ada", "bob")]
    closed = store.accounts.get("bob")
    assert (closed.merged_into, closed.session_epoch) == ("ada", 1)
    record = finish(store)
    assert (record.state, record.proof, record.email, sorted(record.moved)) == (
        "done",
        "password",
        OLD[1],
        sorted(OLD),
    )
    assert [a.email for a in store.accounts.addresses("ada", consistent=True)] == sorted(
        ["ada@example.org", *OLD]
    )
    assert store.accounts.addresses("bob", consistent=True) == []
    assert {store.accounts.owner_of(e).account_id for e in OLD} == {"ada"}
    assert store.accounts.owner_of(OLD[0]).merged_from == "bob"
    assert store.accounts.running_merges("ada") == []


def test_a_merge_needs_an_address_verified_on_the_old_account(two):
    store = two
    store.accounts.add_address("bob", "held@example.org", holder=None, at=AT)
    for email in ("held@example.org", "ada@example.org", "nobody@example.org"):
        with pytest.raises(Changed):
            store.accounts.close_for_merge("ada", "bob", proof="password", email=email)
    assert store.accounts.merge_record("ada", "bob") is None
    assert store.accounts.get("bob").merged_into is None


def test_a_closed_account_cannot_be_merged_twice(two):
    store = two
    store.accounts.close_for_merge("ada", "bob", proof="code", email=OLD[0])
    with pytest.raises(Changed):
        store.accounts.close_for_merge("ada", "bob", proof="code", email=OLD[0])
    registered(store, "cy", "cy@example.org")
    with pytest.raises(Changed):
        store.accounts.close_for_merge("cy", "bob", proof="code", email=OLD[0])


def test_a_busy_close_writes_nothing(two, refuse_next):
    store = two
    refuse_next()
    with pytest.raises(Busy):
        store.accounts.close_for_merge("ada", "bob", proof="password", email=OLD[0])
    assert store.accounts.merge_record("ada", "bob") is None
    assert store.accounts.get("bob").merged_into is None


def test_a_crash_between_steps_loses_nothing_and_the_resume_finishes(two, monkeypatch):
    store, module = two, merge_module(two)
    monkeypatch.setattr(module, "MAX_ITEMS", 7)  # 2 addresses (6 writes) and the record per step
    store.accounts.close_for_merge("ada", "bob", proof="password", email=OLD[0])

    def crash(into_id, old_id, step):
        if step == 2:
            raise Crash

    monkeypatch.setattr(module, "before_step", crash)
    record = store.accounts.merge_record("ada", "bob")
    assert store.accounts.move_merge_step(record) is True
    with pytest.raises(Crash):
        store.accounts.move_merge_step(store.accounts.merge_record("ada", "bob"))
    halfway = store.accounts.merge_record("ada", "bob")
    assert (halfway.state, halfway.steps, len(halfway.moved)) == ("running", 1, 2)
    assert len(store.accounts.addresses("bob", consistent=True)) == 1
    monkeypatch.setattr(module, "before_step", None)
    record = finish(store)
    assert (record.steps, sorted(record.moved)) == (2, sorted(OLD))
    assert [a.email for a in store.accounts.addresses("ada", consistent=True)] == sorted(
        ["ada@example.org", *OLD]
    )


def test_a_stale_step_is_changed_and_moves_nothing(two):
    store = two
    store.accounts.close_for_merge("ada", "bob", proof="password", email=OLD[0])
    stale = store.accounts.merge_record("ada", "bob")
    finish(store)
    assert store.accounts.move_merge_step(stale) is False  # nothing left to move
    with pytest.raises(Changed):
        store.accounts.finish_merge(stale)  # done already: refused, not done twice


def test_the_survivor_gets_the_settings_it_lacks_with_the_public_address(two):
    store = two
    store.accounts.set_profile("bob", public=True, slug="bob-b", old_slug=None, at=AT)
    store.accounts.set_career_goals("bob", "Old goals", at=AT)
    store.accounts.close_for_merge("ada", "bob", proof="password", email=OLD[0])
    finish(store)
    ada = store.accounts.get("ada")
    assert (ada.slug, ada.career_goals, ada.password_hash, ada.primary_email) == (
        "bob-b",
        "Old goals",
        "hash",
        "ada@example.org",
    )
    assert store.accounts.slug_holder("bob-b") == "ada"
