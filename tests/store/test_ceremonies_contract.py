"""CeremonyRepository: a ceremony is kept whole, read without spending it, and spent once: of racing
takes exactly one gets it; the store returns it expired or not (the use case checks); a busy store
spends nothing."""

from __future__ import annotations

import pytest

from chalicelib.errors import Busy, Taken
from chalicelib.store.ceremonies import Ceremony
from tests.support.races import race

LATER = 4_000_000_000


def ceremony(secret_hash: str = "h1", **kw) -> Ceremony:
    kw.setdefault("data", {"nonce": "n-1", "code_verifier": "v" * 64, "next": "/backpack"})
    return Ceremony(
        secret_hash, kw.pop("kind", "oidc"), kw.pop("browser", "b1"), kw.pop("expires_at", LATER), **kw
    )


def test_a_ceremony_is_kept_whole_read_and_spent_once(store):
    kept = ceremony(account_id="ada")
    store.ceremonies.put(kept)
    assert store.ceremonies.get("h1") == kept
    assert store.ceremonies.get("h1") == kept  # reading spends nothing
    assert store.ceremonies.take("h1") == kept
    assert store.ceremonies.take("h1") is None
    assert store.ceremonies.get("h1") is None


def test_a_ceremony_without_account_or_data_comes_back_the_same(store):
    bare = ceremony(kind="passkey-sign-in", data={})
    store.ceremonies.put(bare)
    assert store.ceremonies.take("h1") == bare


def test_unknown_ceremonies_are_none(store):
    assert store.ceremonies.get("nope") is None
    assert store.ceremonies.take("nope") is None


def test_an_expired_ceremony_is_still_returned_for_the_use_case_to_refuse(store):
    old = ceremony(expires_at=1_000)
    store.ceremonies.put(old)
    assert store.ceremonies.get("h1") == old
    assert store.ceremonies.take("h1") == old


def test_a_secret_in_use_is_taken_and_the_first_ceremony_kept(store):
    store.ceremonies.put(ceremony())
    with pytest.raises(Taken):
        store.ceremonies.put(ceremony(browser="attacker", account_id="mallory"))
    assert store.ceremonies.get("h1") == ceremony()


@pytest.mark.parametrize("round_", range(3))
def test_of_racing_takes_exactly_one_gets_the_ceremony(store, round_):
    store.ceremonies.put(ceremony())
    outcomes = race(store, [lambda: store.ceremonies.take("h1") for _ in range(6)])
    assert outcomes.count(ceremony()) == 1
    assert outcomes.count(None) == 5
    assert store.ceremonies.get("h1") is None


@pytest.mark.parametrize("conflict", [False, True])
def test_a_busy_store_spends_no_ceremony(store, refuse_next, conflict):
    store.ceremonies.put(ceremony())
    refuse_next(conflict=conflict)
    with pytest.raises(Busy):
        store.ceremonies.take("h1")
    assert store.ceremonies.get("h1") == ceremony()
    assert store.ceremonies.take("h1") == ceremony()


def test_a_busy_put_keeps_nothing(store, refuse_next):
    refuse_next()
    with pytest.raises(Busy):
        store.ceremonies.put(ceremony())
    assert store.ceremonies.get("h1") is None
