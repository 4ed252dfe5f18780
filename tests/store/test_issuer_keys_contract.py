"""IssuerKeyRepository: RSA and Ed25519 keys (rotation under a cap), status indexes and lists, revocations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import Busy, Changed, Taken
from chalicelib.store.issuer_keys import CredentialKey, Revocation, SigningKey
from chalicelib.store.issuers import ApiKey, Issuer

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SIZE = 16


@pytest.fixture
def issuer_id(store) -> str:
    issuer = Issuer(
        id="iss1", name="Guild", url="https://g.example", email="g@g.example", created_at=AT, updated_at=AT
    )
    store.issuers.create(issuer, ApiKey("0" * 64, "iss1", "key1", "lrl_0", AT))
    return issuer.id


def rsa(kid: str = "rsa1") -> SigningKey:
    return SigningKey(kid, "-----BEGIN PUBLIC KEY-----", b"kms", b"\x00sealed", AT)


def ed(n: int) -> CredentialKey:
    return CredentialKey(f"ed{n}", f"z6Mk{n}", b"kms", bytes([n]) * 8, AT + timedelta(microseconds=n))


def revoke(store, issuer_id: str, assertion_id: str, index: int | None) -> None:
    """What an award's revoke writes here, in its own transaction, on either store."""
    revocation = Revocation(assertion_id, "fraud", AT)
    if hasattr(store, "db"):
        from chalicelib.store.memory.issuer_keys import add_revoked_bit, keep_revocation

        with store.db.transaction():
            keep_revocation(store.db, issuer_id, revocation)
            if index is not None:
                add_revoked_bit(store.db, issuer_id, index)
        return
    from chalicelib.store.dynamo.issuer_keys import add_revoked_bit, revocation_item
    from chalicelib.store.dynamo.models import transaction

    with transaction() as tx:
        tx.save(revocation_item(issuer_id, revocation))
        if index is not None:
            add_revoked_bit(tx, issuer_id, index, SIZE)


def test_a_signing_key_reads_back_and_its_kid_is_taken(store, issuer_id):
    store.issuer_keys.add_signing_key(issuer_id, rsa())
    assert store.issuer_keys.signing_key(issuer_id, "rsa1") == rsa()
    assert store.issuer_keys.signing_key(issuer_id, "rsa2") is None
    assert store.issuer_keys.signing_key("other", "rsa1") is None
    with pytest.raises(Taken):
        store.issuer_keys.add_signing_key(issuer_id, SigningKey("rsa1", "other", b"k", b"s", AT))
    assert store.issuer_keys.signing_key(issuer_id, "rsa1") == rsa()


def test_the_first_credential_key_becomes_current_and_one_racer_wins(store, issuer_id):
    store.issuer_keys.install_credential_key(issuer_id, ed(1), replacing=None, cap=5)
    assert store.issuers.get(issuer_id).credential_kid == "ed1"
    with pytest.raises(Changed):  # a second "first key" lost the race: nothing of it is kept
        store.issuer_keys.install_credential_key(issuer_id, ed(2), replacing=None, cap=5)
    assert store.issuer_keys.credential_key(issuer_id, "ed2") is None
    assert store.issuer_keys.credential_key(issuer_id, "ed1") == ed(1)
    assert (store.issuers.get(issuer_id).credential_kid, store.issuers.get(issuer_id).credential_keys) == (
        "ed1",
        1,
    )


def test_rotation_replaces_the_current_key_keeps_the_old_and_stops_at_the_cap(store, issuer_id):
    store.issuer_keys.install_credential_key(issuer_id, ed(1), replacing=None, cap=3)
    store.issuer_keys.install_credential_key(issuer_id, ed(2), replacing="ed1", cap=3)
    with pytest.raises(Changed):  # stale: the current key is ed2 now
        store.issuer_keys.install_credential_key(issuer_id, ed(3), replacing="ed1", cap=3)
    store.issuer_keys.install_credential_key(issuer_id, ed(3), replacing="ed2", cap=3)
    with pytest.raises(Changed):  # three keys made: the cap
        store.issuer_keys.install_credential_key(issuer_id, ed(4), replacing="ed3", cap=3)
    assert [k.kid for k in store.issuer_keys.credential_keys(issuer_id)] == ["ed1", "ed2", "ed3"]
    assert store.issuers.get(issuer_id).credential_kid == "ed3"
    assert store.issuer_keys.credential_keys("other") == []


def test_no_key_is_installed_for_a_missing_issuer(store):
    with pytest.raises(Changed):
        store.issuer_keys.install_credential_key("ghost", ed(1), replacing=None, cap=3)
    assert store.issuer_keys.credential_key("ghost", "ed1") is None


def test_status_indexes_are_given_once_each_and_counted(store, issuer_id):
    assert store.issuer_keys.status_indexes_given(issuer_id) == 0
    assert [store.issuer_keys.next_status_index(issuer_id) for _ in range(3)] == [0, 1, 2]
    assert store.issuer_keys.next_status_index("other") == 0
    assert store.issuer_keys.status_indexes_given(issuer_id) == 3


def test_revoked_bits_read_per_list_and_revocations_per_issuer(store, issuer_id):
    assert store.issuer_keys.revoked_indexes(issuer_id, 0, SIZE) == frozenset()
    revoke(store, issuer_id, "a2", 3)
    revoke(store, issuer_id, "a1", SIZE + 5)
    revoke(store, issuer_id, "a3", None)
    revoke(store, "other", "a9", 4)
    assert store.issuer_keys.revoked_indexes(issuer_id, 0, SIZE) == {3}
    assert store.issuer_keys.revoked_indexes(issuer_id, 1, SIZE) == {5}
    assert store.issuer_keys.revoked_indexes(issuer_id, 2, SIZE) == frozenset()
    assert store.issuer_keys.revocations(issuer_id) == [
        Revocation("a1", "fraud", AT),
        Revocation("a2", "fraud", AT),
        Revocation("a3", "fraud", AT),
    ]
    assert store.issuer_keys.revocations("nobody") == []


def test_a_busy_store_writes_nothing_and_says_busy_never_changed(store, issuer_id, refuse_next):
    refuse_next()
    with pytest.raises(Busy):
        store.issuer_keys.add_signing_key(issuer_id, rsa())
    assert store.issuer_keys.signing_key(issuer_id, "rsa1") is None
    refuse_next(conflict=True)
    with pytest.raises(Busy):
        store.issuer_keys.install_credential_key(issuer_id, ed(1), replacing=None, cap=3)
    assert store.issuer_keys.credential_key(issuer_id, "ed1") is None
    assert store.issuers.get(issuer_id).credential_kid is None
    store.issuer_keys.next_status_index(issuer_id)
    refuse_next()
    with pytest.raises(Busy):
        store.issuer_keys.next_status_index(issuer_id)
    assert store.issuer_keys.status_indexes_given(issuer_id) == 1
