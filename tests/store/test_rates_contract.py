"""RateRepository: atomic counts per key and window, on both stores."""

from __future__ import annotations

import pytest

from chalicelib.errors import Busy


def test_each_count_returns_the_new_total_and_windows_are_apart(store):
    assert [store.rates.count("k", 60, expires_at=180) for _ in range(3)] == [1, 2, 3]
    assert store.rates.count("k", 120, expires_at=240) == 1
    assert store.rates.count("other", 60, expires_at=180) == 1


def test_uncount_takes_one_back_but_never_below_zero(store):
    store.rates.count("k", 60, expires_at=180)
    store.rates.uncount("k", 60)
    store.rates.uncount("k", 60)
    store.rates.uncount("never-counted", 60)
    assert store.rates.count("k", 60, expires_at=180) == 1


def test_clear_forgets_the_window(store):
    store.rates.count("k", 60, expires_at=180)
    store.rates.clear("k", 60)
    assert store.rates.count("k", 60, expires_at=180) == 1


def test_a_busy_store_counts_nothing_and_says_busy(store, refuse_next):
    store.rates.count("k", 60, expires_at=180)
    refuse_next()
    with pytest.raises(Busy):
        store.rates.count("k", 60, expires_at=180)
    assert store.rates.count("k", 60, expires_at=180) == 2
