"""PasskeyRepository: a credential belongs to one account; an open account keeps at most `most` passkeys,
also when adds race; removing one never removes the last way in, also when removals race; the sign
count moves only from the count that was read; a busy store is Busy and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.errors import Busy, Changed, Taken
from chalicelib.store.identities import Identity
from chalicelib.store.passkeys import Passkey
from tests.support.races import race
from tests.support.stored import AT, LATER, passwordless, registered

KEY = bytes(range(77)) + b"\xff\x00"  # a COSE key is binary: every byte must come back


def passkey(
    credential_id: str = "cred-1", account_id: str = "ada", n: int = 0, count: int = 0, **kw
) -> Passkey:
    return Passkey(credential_id, account_id, KEY, count, "Phone", AT + timedelta(seconds=n), **kw)


def state(store, account_id: str = "ada") -> tuple:
    found = store.accounts.get(account_id)
    return (found and found.ways_in, store.passkeys.listing(account_id))


def test_a_passkey_is_kept_whole_and_found_by_its_credential(store):
    registered(store)
    kept = passkey(
        transports=("internal", "hybrid"), aaguid="fbfc3007-154e-4ecc-8c0b-6e020557d7bd", backed_up=True
    )
    store.passkeys.add(kept, most=10)
    assert store.passkeys.get("cred-1") == kept
    assert store.passkeys.listing("ada") == [kept]
    assert store.accounts.get("ada").ways_in == 1
    assert store.passkeys.get("cred-2") is None
    assert store.passkeys.listing("nobody") == []


def test_the_listing_is_oldest_first_and_only_the_accounts_own(store):
    registered(store)
    registered(store, "bob", "bob@example.org")
    for n, cred in ((2, "c"), (1, "a"), (3, "b")):
        store.passkeys.add(passkey(cred, n=n), most=10)
    store.passkeys.add(passkey("bobs", "bob"), most=10)
    assert [p.credential_id for p in store.passkeys.listing("ada")] == ["a", "c", "b"]
    assert [p.credential_id for p in store.passkeys.listing("bob")] == ["bobs"]


def test_a_known_credential_is_taken_and_nothing_is_written(store):
    registered(store)
    registered(store, "bob", "bob@example.org")
    store.passkeys.add(passkey(), most=10)
    before = (state(store), state(store, "bob"))
    for again in (passkey(account_id="bob"), passkey(count=5)):
        with pytest.raises(Taken):
            store.passkeys.add(again, most=10)
    assert (state(store), state(store, "bob")) == before


def test_the_eleventh_passkey_is_refused_and_a_freed_place_can_be_used(store):
    registered(store)
    for n in range(10):
        store.passkeys.add(passkey(f"cred-{n}", n=n), most=10)
    before = state(store)
    with pytest.raises(Changed):
        store.passkeys.add(passkey("cred-10", n=10), most=10)
    assert state(store) == before and store.passkeys.get("cred-10") is None
    store.passkeys.remove("ada", "cred-0")
    store.passkeys.add(passkey("cred-10", n=10), most=10)
    assert len(store.passkeys.listing("ada")) == 10


def test_racing_adds_never_keep_more_than_the_most(store):
    registered(store)
    store.passkeys.add(passkey("first"), most=3)
    outcomes = race(
        store, [lambda n=n: store.passkeys.add(passkey(f"c{n}", n=n + 1), most=3) for n in range(5)]
    )
    assert sorted(map(str, outcomes)) == ["Changed", "Changed", "Changed", "None", "None"]
    ways_in, listed = state(store)
    assert ways_in == len(listed) == 3


def test_a_closed_or_unknown_account_gets_no_passkey(store):
    registered(store)
    registered(store, "bob", "bob@example.org")
    store.accounts.close_for_merge("ada", "bob", proof="code", email="bob@example.org")
    for account_id in ("bob", "nobody"):
        with pytest.raises(Changed):
            store.passkeys.add(passkey(account_id=account_id), most=10)
    assert store.passkeys.get("cred-1") is None
    assert state(store, "bob") == (0, [])


def test_a_sign_in_moves_the_count_only_from_the_count_read(store):
    registered(store)
    store.passkeys.add(passkey(), most=10)
    store.passkeys.used("cred-1", old_count=0, new_count=7, at=LATER)
    found = store.passkeys.get("cred-1")
    assert (found.sign_count, found.last_used_at) == (7, LATER)
    assert store.passkeys.listing("ada") == [found]
    for stale in (0, 6, 8):  # a replayed or racing sign-in read another count
        with pytest.raises(Changed):
            store.passkeys.used("cred-1", old_count=stale, new_count=9, at=AT)
    with pytest.raises(Changed):
        store.passkeys.used("unknown", old_count=0, new_count=1, at=AT)
    assert store.passkeys.get("cred-1") == found


def test_racing_sign_ins_with_one_count_move_it_once(store):
    registered(store)
    store.passkeys.add(passkey(count=4), most=10)
    outcomes = race(
        store,
        [lambda n=n: store.passkeys.used("cred-1", old_count=4, new_count=5 + n, at=LATER) for n in range(4)],
    )
    assert sorted(map(str, outcomes)) == ["Changed", "Changed", "Changed", "None"]
    assert store.passkeys.get("cred-1").sign_count == 5 + outcomes.index(None)


def test_only_the_accounts_own_passkey_is_renamed(store):
    registered(store)
    registered(store, "bob", "bob@example.org")
    store.passkeys.add(passkey(), most=10)
    store.passkeys.rename("ada", "cred-1", "YubiKey")
    assert store.passkeys.get("cred-1").name == "YubiKey"
    for account_id, cred in (("bob", "cred-1"), ("ada", "unknown")):
        with pytest.raises(Changed):
            store.passkeys.rename(account_id, cred, "Mine now")
    assert store.passkeys.listing("ada")[0].name == "YubiKey"


def test_only_the_accounts_own_passkey_is_removed(store):
    registered(store)
    registered(store, "bob", "bob@example.org")
    store.passkeys.add(passkey(), most=10)
    before = (state(store), state(store, "bob"))
    for account_id, cred in (("bob", "cred-1"), ("ada", "unknown")):
        with pytest.raises(Changed):
            store.passkeys.remove(account_id, cred)
    assert (state(store), state(store, "bob")) == before
    store.passkeys.remove("ada", "cred-1")  # ada has a password: not her last way in
    assert state(store) == (0, []) and store.passkeys.get("cred-1") is None


def test_the_last_way_in_is_never_removed(store):
    passwordless(store, identity=Identity("google", "g-1", "ada", AT))
    store.passkeys.add(passkey(), most=10)
    store.identities.unlink("ada", "google", "g-1")
    with pytest.raises(Changed):
        store.passkeys.remove("ada", "cred-1")
    assert state(store) == (1, [passkey()])


def test_racing_removals_of_passkeys_and_identities_leave_a_way_in(store):
    passwordless(store, identity=Identity("google", "g-1", "ada", AT))
    for n in range(2):
        store.passkeys.add(passkey(f"c{n}", n=n), most=10)
    calls = [lambda: store.identities.unlink("ada", "google", "g-1")]
    calls += [lambda n=n: store.passkeys.remove("ada", f"c{n}") for n in range(2)]
    outcomes = race(store, calls)
    assert sorted(map(str, outcomes)) == ["Changed", "None", "None"]
    left = len(store.passkeys.listing("ada")) + len(store.identities.listing("ada"))
    assert store.accounts.get("ada").ways_in == left == 1


def test_a_busy_store_adds_moves_and_removes_nothing(store, refuse_next):
    registered(store)
    store.passkeys.add(passkey(), most=10)
    before = state(store)
    for write in (
        lambda: store.passkeys.add(passkey("cred-2"), most=10),
        lambda: store.passkeys.used("cred-1", old_count=0, new_count=1, at=LATER),
        lambda: store.passkeys.rename("ada", "cred-1", "Laptop"),
        lambda: store.passkeys.remove("ada", "cred-1"),
    ):
        refuse_next()
        with pytest.raises(Busy):
            write()
    refuse_next(conflict=True)
    with pytest.raises(Busy):
        store.passkeys.add(passkey("cred-2"), most=10)
    assert state(store) == before and store.passkeys.get("cred-2") is None


def test_the_account_counts_its_passkeys_apart_from_its_identities(store):
    """Reauth offers "Confirm with a passkey" only to an account that has one (Account.passkeys)."""
    registered(store)
    store.identities.link(Identity("google", "g-ada", "ada", AT))
    assert (store.accounts.get("ada").ways_in, store.accounts.get("ada").passkeys) == (1, 0)
    store.passkeys.add(passkey(), most=10)
    store.passkeys.add(passkey("cred-2", n=1), most=10)
    assert (store.accounts.get("ada").ways_in, store.accounts.get("ada").passkeys) == (3, 2)
    store.passkeys.remove("ada", "cred-1")
    assert (store.accounts.get("ada").ways_in, store.accounts.get("ada").passkeys) == (2, 1)
