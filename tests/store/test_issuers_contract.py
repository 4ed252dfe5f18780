"""IssuerRepository: issuers with their first key, profile changes, API keys under a cap, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import Busy, Changed, Taken
from chalicelib.store.issuers import ApiKey, Issuer

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def issuer(issuer_id: str = "iss1", **changes) -> Issuer:
    values = {"name": "Guild", "url": "https://guild.example", "email": "g@guild.example"}
    return Issuer(id=issuer_id, created_at=AT, updated_at=AT, **(values | changes))


def api_key(n: int, issuer_id: str = "iss1") -> ApiKey:
    return ApiKey(
        key_hash=f"{n:064x}",
        issuer_id=issuer_id,
        key_id=f"key{n}",
        prefix=f"lrl_{n}",
        created_at=AT + timedelta(seconds=n),
        label=f"key {n}",
    )


def test_an_issuer_is_kept_with_its_first_key_counted(store):
    created = store.issuers.create(issuer(description="Makers"), api_key(1))
    assert created.api_keys == 1
    assert store.issuers.get("iss1") == created
    assert store.issuers.get("iss1").description == "Makers"
    assert store.issuers.api_key(api_key(1).key_hash) == api_key(1)
    assert store.issuers.get("nobody") is None


def test_an_existing_issuer_or_key_is_taken_and_nothing_is_written(store):
    store.issuers.create(issuer(), api_key(1))
    with pytest.raises(Taken):
        store.issuers.create(issuer(name="Again"), api_key(2))
    assert store.issuers.get("iss1").name == "Guild"
    assert store.issuers.api_key(api_key(2).key_hash) is None
    with pytest.raises(Taken):
        store.issuers.create(issuer("iss2"), api_key(1, "iss2"))
    assert store.issuers.get("iss2") is None
    assert store.issuers.api_key(api_key(1).key_hash).issuer_id == "iss1"


def test_get_many_answers_the_issuers_that_exist(store):
    store.issuers.create(issuer("a"), api_key(1, "a"))
    store.issuers.create(issuer("b"), api_key(2, "b"))
    assert set(store.issuers.get_many(["a", "b", "ghost", "a"])) == {"a", "b"}
    assert store.issuers.get_many([]) == {}


def test_profile_changes_only_the_profile_and_the_time(store):
    store.issuers.create(issuer(), api_key(1))
    later = AT + timedelta(hours=1)
    changed = store.issuers.update_profile(
        "iss1", {"name": "New", "image_key": "images/x.png", "signing": True}, later
    )
    assert (changed.name, changed.image_key, changed.updated_at, changed.signing) == (
        "New",
        "images/x.png",
        later,
        False,
    )
    assert store.issuers.get("iss1") == changed
    with pytest.raises(Changed):
        store.issuers.update_profile("ghost", {"name": "x"}, later)
    assert store.issuers.get("ghost") is None


def test_signing_turns_on_with_its_key_and_off_keeping_it(store):
    store.issuers.create(issuer(), api_key(1))
    on = store.issuers.set_signing("iss1", True, AT, kid="rsa1")
    assert (on.signing, on.signing_kid) == (True, "rsa1")
    off = store.issuers.set_signing("iss1", False, AT)
    assert (off.signing, off.signing_kid) == (False, "rsa1")
    with pytest.raises(Changed):
        store.issuers.set_signing("ghost", True, AT, kid="k")


def test_keys_are_counted_up_to_the_cap_and_listed_oldest_first(store):
    store.issuers.create(issuer(), api_key(1))
    store.issuers.add_api_key(api_key(2), cap=3)
    store.issuers.add_api_key(api_key(3), cap=3)
    with pytest.raises(Changed):
        store.issuers.add_api_key(api_key(4), cap=3)
    assert store.issuers.api_key(api_key(4).key_hash) is None
    assert store.issuers.get("iss1").api_keys == 3
    assert [k.key_id for k in store.issuers.api_keys("iss1")] == ["key1", "key2", "key3"]
    assert store.issuers.api_keys("other") == []


def test_a_key_for_a_missing_issuer_is_refused(store):
    with pytest.raises(Changed):
        store.issuers.add_api_key(api_key(1, "ghost"), cap=10)
    assert store.issuers.api_key(api_key(1, "ghost").key_hash) is None


def test_a_revoked_key_keeps_its_first_revocation_time(store):
    store.issuers.create(issuer(), api_key(1))
    first = store.issuers.revoke_api_key(api_key(1), AT)
    again = store.issuers.revoke_api_key(api_key(1), AT + timedelta(days=1))
    assert first.revoked_at == again.revoked_at == AT
    assert store.issuers.api_key(api_key(1).key_hash).revoked_at == AT
    with pytest.raises(Changed):
        store.issuers.revoke_api_key(api_key(9), AT)


def test_a_busy_store_writes_nothing_and_says_busy_never_taken(store, refuse_next):
    refuse_next()
    with pytest.raises(Busy):
        store.issuers.create(issuer(), api_key(1))
    assert store.issuers.get("iss1") is None
    store.issuers.create(issuer(), api_key(1))
    refuse_next()
    with pytest.raises(Busy):
        store.issuers.add_api_key(api_key(2), cap=5)
    assert store.issuers.get("iss1").api_keys == 1
    refuse_next()
    with pytest.raises(Busy):
        store.issuers.update_profile("iss1", {"name": "x"}, AT)
    refuse_next()
    with pytest.raises(Busy):
        store.issuers.revoke_api_key(api_key(1), AT)
    assert store.issuers.get("iss1").name == "Guild"
    assert store.issuers.api_key(api_key(1).key_hash).revoked_at is None
