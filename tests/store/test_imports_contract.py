"""ImportRepository: one imported badge per account and digest, read back whole, on both stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import Busy, Taken
from chalicelib.store.imports import ImportedBadge

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def badge(digest: str = "a" * 64, account_id: str = "acc1", **changes) -> ImportedBadge:
    return replace(
        ImportedBadge(
            account_id=account_id,
            digest=digest,
            badge_id=f"https://elsewhere.example/assertions/{digest[:8]}",
            source_kind="url",
            matched_email="ada@example.org",
            imported_at=AT,
            source="https://elsewhere.example/assertions/1",
        ),
        **changes,
    )


def test_an_added_badge_reads_back_whole(store):
    full = badge(
        source_kind="png",
        source=None,
        source_key="imports/acc1/x.png",
        document='{"id": "x"}',
        document_key="imports/acc1/x.document.txt",
        version="2.0-hosted",
        name="Data Literacy",
        description="Reads data.",
        issuer_name="Open Skills",
        issuer_id="https://skills.example/issuer",
        image="https://skills.example/badge.png",
        issued_on="2026-01-02",
        expires="2028-01-02",
    )
    store.imports.add(full)
    assert store.imports.get("acc1", full.digest) == full
    assert store.imports.get("acc2", full.digest) is None
    assert store.imports.get("acc1", "b" * 64) is None


def test_the_same_badge_twice_is_taken_and_the_first_is_kept(store):
    store.imports.add(badge(name="first"))
    with pytest.raises(Taken):
        store.imports.add(badge(name="second"))
    assert store.imports.get("acc1", "a" * 64).name == "first"
    store.imports.add(badge(account_id="acc2", name="another account's"))  # per account
    assert store.imports.get("acc2", "a" * 64).name == "another account's"


def test_newest_lists_the_accounts_badges_newest_first_up_to_the_limit(store):
    for n, digest in enumerate(("c" * 64, "a" * 64, "b" * 64)):
        store.imports.add(badge(digest, imported_at=AT + timedelta(minutes=n)))
    store.imports.add(badge("d" * 64, account_id="acc2"))
    assert [b.digest for b in store.imports.newest("acc1", limit=500)] == ["b" * 64, "a" * 64, "c" * 64]
    # past the limit: the first by digest, still newest first
    assert [b.digest for b in store.imports.newest("acc1", limit=2)] == ["b" * 64, "a" * 64]
    assert store.imports.newest("nobody", limit=500) == []


def test_newest_reads_across_pages(store):
    digests = [f"{n:064x}" for n in range(130)]  # more than one DynamoDB page of 100
    for n, digest in enumerate(digests):
        store.imports.add(badge(digest, imported_at=AT + timedelta(seconds=n)))
    assert [b.digest for b in store.imports.newest("acc1", limit=500)] == digests[::-1]
    assert len(store.imports.newest("acc1", limit=120)) == 120


def test_delete_forgets_the_badge_and_a_second_delete_is_nothing(store):
    store.imports.add(badge())
    store.imports.add(badge("b" * 64))
    store.imports.delete("acc1", "a" * 64)
    store.imports.delete("acc1", "a" * 64)
    assert store.imports.get("acc1", "a" * 64) is None
    assert [b.digest for b in store.imports.newest("acc1", limit=500)] == ["b" * 64]
    store.imports.add(badge())  # can come back


def test_a_busy_store_keeps_nothing_and_says_busy_not_taken(store, refuse_next):
    refuse_next()
    with pytest.raises(Busy):
        store.imports.add(badge())
    assert store.imports.get("acc1", "a" * 64) is None
    store.imports.add(badge())
    refuse_next()
    with pytest.raises(Busy):
        store.imports.add(badge())  # busy, not Taken, even though it is there
    refuse_next()
    with pytest.raises(Busy):
        store.imports.delete("acc1", "a" * 64)
    assert store.imports.get("acc1", "a" * 64) == badge()
