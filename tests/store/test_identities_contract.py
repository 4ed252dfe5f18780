"""IdentityRepository: an identity at an OpenID provider signs in to one account at most; linking one
adds a way in to an open account, unlinking takes one away and never the last, also when unlinks race;
a merge brings the old account's identities over; a busy store is Busy, never Taken or Changed."""

from __future__ import annotations

import pytest

from chalicelib.errors import Busy, Changed, Taken
from chalicelib.store.identities import Identity
from tests.support.races import race
from tests.support.stored import AT, LATER, passwordless, registered


def identity(account_id: str = "ada", subject: str = "g-1", provider: str = "google", **kw) -> Identity:
    return Identity(provider, subject, account_id, AT, **kw)


def state(store, account_id: str = "ada") -> tuple:
    found = store.accounts.get(account_id)
    return (found and found.ways_in, store.identities.listing(account_id))


def test_a_linked_identity_names_its_account_and_is_one_more_way_in(store):
    registered(store)
    linked = identity(email="ada@gmail.example")
    store.identities.link(linked)
    assert store.identities.owner("google", "g-1") == linked
    assert store.identities.listing("ada") == [linked]
    assert store.accounts.get("ada").ways_in == 1
    assert store.identities.owner("google", "g-2") is None
    assert store.identities.owner("generic", "g-1") is None  # a subject is only unique at its provider


def test_the_listing_is_by_provider_and_only_the_accounts_own(store):
    registered(store)
    registered(store, "bob", "bob@example.org")
    for linked in (identity(provider="microsoft"), identity(provider="apple"), identity("bob", "b-1")):
        store.identities.link(linked)
    assert [i.provider for i in store.identities.listing("ada")] == ["apple", "microsoft"]
    assert store.identities.listing("bob") == [identity("bob", "b-1")]
    assert store.identities.listing("nobody") == []


def test_an_identity_links_to_one_account_only_and_a_second_link_writes_nothing(store):
    registered(store)
    registered(store, "bob", "bob@example.org")
    store.identities.link(identity())
    before = (state(store), state(store, "bob"))
    for again in (identity("bob"), identity("ada", email="other@example.org")):
        with pytest.raises(Taken):
            store.identities.link(again)
    assert (state(store), state(store, "bob")) == before
    assert store.identities.owner("google", "g-1") == identity()


def test_a_closed_or_unknown_account_gets_no_identity(store):
    registered(store)
    registered(store, "bob", "bob@example.org")
    store.accounts.close_for_merge("ada", "bob", proof="password", email="bob@example.org")
    for account_id in ("bob", "nobody"):
        with pytest.raises(Changed):
            store.identities.link(identity(account_id))
        assert store.identities.owner("google", "g-1") is None
    assert state(store, "bob") == (0, [])


def test_unlinking_takes_the_way_in_away(store):
    registered(store)
    store.identities.link(identity())
    store.identities.unlink("ada", "google", "g-1")
    assert store.identities.owner("google", "g-1") is None
    assert state(store) == (0, [])
    store.identities.link(identity())  # free again
    assert store.identities.owner("google", "g-1") == identity()


def test_only_the_linked_account_can_unlink_it(store):
    registered(store)
    registered(store, "bob", "bob@example.org")
    store.identities.link(identity())
    store.identities.link(identity("bob", "b-1"))
    before = (state(store), state(store, "bob"))
    for account_id, subject in (("bob", "g-1"), ("ada", "b-1"), ("ada", "unknown")):
        with pytest.raises(Changed):
            store.identities.unlink(account_id, "google", subject)
    assert (state(store), state(store, "bob")) == before


def test_the_last_way_in_cannot_be_unlinked(store):
    passwordless(store, identity=identity())
    store.identities.link(identity(subject="g-2"))
    store.identities.unlink("ada", "google", "g-1")
    with pytest.raises(Changed):
        store.identities.unlink("ada", "google", "g-2")
    assert state(store) == (1, [identity(subject="g-2")])


@pytest.mark.parametrize("round_", range(3))
def test_racing_unlinks_never_leave_an_account_nobody_can_enter(store, round_):
    subjects = ["g-1", "g-2", "g-3"]
    passwordless(store, identity=identity())
    for subject in subjects[1:]:
        store.identities.link(identity(subject=subject))
    outcomes = race(store, [lambda s=s: store.identities.unlink("ada", "google", s) for s in subjects])
    assert sorted(map(str, outcomes)) == ["Changed", "None", "None"]
    ways_in, listed = state(store)
    assert ways_in == len(listed) == 1
    assert [store.identities.owner("google", s) is not None for s in subjects] == [
        o == "Changed" for o in outcomes
    ]


def test_racing_links_of_one_identity_link_it_once(store):
    for n in range(4):
        registered(store, f"acc{n}", f"acc{n}@example.org")
    outcomes = race(store, [lambda n=n: store.identities.link(identity(f"acc{n}")) for n in range(4)])
    assert sorted(map(str, outcomes)) == ["None", "Taken", "Taken", "Taken"]
    winner = f"acc{outcomes.index(None)}"
    assert store.identities.owner("google", "g-1").account_id == winner
    assert [store.accounts.get(f"acc{n}").ways_in for n in range(4)] == [int(o is None) for o in outcomes]


def test_touch_records_the_sign_in_and_ignores_a_gone_identity(store):
    registered(store)
    store.identities.link(identity())
    store.identities.touch("google", "g-1", at=LATER)
    assert store.identities.owner("google", "g-1").last_used_at == LATER
    assert store.identities.listing("ada")[0].last_used_at == LATER
    store.identities.touch("google", "unknown", at=LATER)
    assert store.identities.owner("google", "unknown") is None


@pytest.mark.parametrize("conflict", [False, True])
def test_a_busy_store_links_and_unlinks_nothing_and_says_busy(store, refuse_next, conflict):
    registered(store)
    store.identities.link(identity())
    before = state(store)
    refuse_next(conflict=conflict)
    with pytest.raises(Busy):
        store.identities.link(identity(subject="g-2"))
    refuse_next(conflict=conflict)
    with pytest.raises(Busy):
        store.identities.unlink("ada", "google", "g-1")
    refuse_next()
    with pytest.raises(Busy):
        store.identities.touch("google", "g-1", at=LATER)
    assert state(store) == before
    assert store.identities.owner("google", "g-2") is None
    assert store.identities.owner("google", "g-1") == identity()
