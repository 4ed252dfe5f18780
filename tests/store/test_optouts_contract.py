"""OptOutRepository on both stores: opt-outs one by one and many at once, written together."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.errors import Busy

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_an_opt_out_is_seen_one_by_one_and_among_many(store):
    store.optouts.opt_out("ada@example.org", at=AT)
    store.optouts.opt_out("ada@example.org", at=AT)  # a second click changes nothing
    assert store.optouts.is_opted_out("ada@example.org")
    assert not store.optouts.is_opted_out("bob@example.org")
    many = [f"p{i}@example.org" for i in range(40)] + ["ada@example.org"]
    assert store.optouts.opted_out_among(many) == {"ada@example.org"}
    assert store.optouts.opted_out_among([]) == set()


def test_opt_in_undoes_both_views(store):
    for email in ("ada@example.org", "bob@example.org"):
        store.optouts.opt_out(email, at=AT)
    store.optouts.opt_in("ada@example.org")
    store.optouts.opt_in("never@example.org")
    assert not store.optouts.is_opted_out("ada@example.org")
    assert store.optouts.opted_out_among(["ada@example.org", "bob@example.org"]) == {"bob@example.org"}


def test_a_busy_opt_out_records_nothing(store, refuse_next):
    refuse_next()
    with pytest.raises(Busy):
        store.optouts.opt_out("ada@example.org", at=AT)
    assert not store.optouts.is_opted_out("ada@example.org")
    assert store.optouts.opted_out_among(["ada@example.org"]) == set()
