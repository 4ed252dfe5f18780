"""CodeRepository: links spent once, a code replaced with its link in one transaction, tries counted
under a ceiling; a busy store is Busy, never a used-up code."""

from __future__ import annotations

import pytest

from chalicelib.errors import Busy, Changed
from chalicelib.store.codes import ActivationCode, MergeCode, OneTimeToken

LATER = 4_000_000_000


def link(token_hash: str = "t1", **kw) -> OneTimeToken:
    return OneTimeToken(token_hash, kw.pop("kind", "activate"), "acc1", "ada@example.org", LATER, **kw)


def code(token_hash: str = "t1", **kw) -> ActivationCode:
    return ActivationCode("ada@example.org", "acc1", "hash", "salt", token_hash, LATER, **kw)


def merge_code(**kw) -> MergeCode:
    return MergeCode("old@example.org", "ada", "old", "hash", "salt", LATER, **kw)


def test_a_link_is_kept_read_back_and_spent_once(store):
    store.codes.put_token(link(kind="reset", epoch=3))
    assert store.codes.token("t1") == link(kind="reset", epoch=3)
    store.codes.spend_token("t1")
    assert store.codes.token("t1") is None
    with pytest.raises(Changed):
        store.codes.spend_token("t1")


def test_unknown_link_and_code_are_none(store):
    assert store.codes.token("nope") is None
    assert store.codes.activation_code("nobody@example.org") is None
    assert store.codes.merge_code("nobody@example.org") is None


def test_a_busy_store_spends_no_link(store, refuse_next):
    store.codes.put_token(link())
    refuse_next()
    with pytest.raises(Busy):
        store.codes.spend_token("t1")
    assert store.codes.token("t1") == link()


def test_replacing_an_activation_drops_the_old_link_and_keeps_the_new_pair(store):
    store.codes.replace_activation(code("t1"), link("t1"), previous=None)
    store.codes.replace_activation(code("t2"), link("t2"), previous="t1")
    assert store.codes.token("t1") is None
    assert store.codes.token("t2") == link("t2")
    assert store.codes.activation_code("ada@example.org") == code("t2")


def test_a_busy_replacement_writes_nothing(store, refuse_next):
    store.codes.replace_activation(code("t1"), link("t1"), previous=None)
    refuse_next()
    with pytest.raises(Busy):
        store.codes.replace_activation(code("t2"), link("t2"), previous="t1")
    assert store.codes.token("t1") == link("t1")
    assert store.codes.token("t2") is None
    assert store.codes.activation_code("ada@example.org") == code("t1")


def test_tries_are_counted_until_the_ceiling(store):
    store.codes.replace_activation(code(), link(), previous=None)
    assert [store.codes.try_activation_code("ada@example.org", below=3).attempts for _ in range(3)] == [
        1,
        2,
        3,
    ]
    with pytest.raises(Changed):
        store.codes.try_activation_code("ada@example.org", below=3)
    assert store.codes.activation_code("ada@example.org").attempts == 3
    with pytest.raises(Changed):
        store.codes.try_activation_code("nobody@example.org", below=3)


def test_a_busy_try_is_busy_and_not_counted(store, refuse_next):
    store.codes.replace_activation(code(), link(), previous=None)
    refuse_next()
    with pytest.raises(Busy):
        store.codes.try_activation_code("ada@example.org", below=5)
    assert store.codes.activation_code("ada@example.org").attempts == 0


def test_a_merge_code_is_replaced_tried_and_dropped(store):
    store.codes.put_merge_code(merge_code(attempts=4))
    store.codes.put_merge_code(merge_code())
    assert store.codes.merge_code("old@example.org") == merge_code()
    assert store.codes.try_merge_code("old@example.org", below=2).attempts == 1
    assert store.codes.try_merge_code("old@example.org", below=2).attempts == 2
    with pytest.raises(Changed):
        store.codes.try_merge_code("old@example.org", below=2)
    store.codes.drop_merge_code("old@example.org")
    store.codes.drop_merge_code("old@example.org")
    assert store.codes.merge_code("old@example.org") is None


def test_a_busy_merge_code_try_is_busy(store, refuse_next):
    store.codes.put_merge_code(merge_code())
    refuse_next()
    with pytest.raises(Busy):
        store.codes.try_merge_code("old@example.org", below=5)
    assert store.codes.merge_code("old@example.org").attempts == 0
