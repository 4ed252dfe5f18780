"""ShelfRepository on both stores: tab counts kept by the award writes (expired derived at the instant
read), tab pages newest first across addresses with their cursor, the dashboard's reading, and one read
for a page's badge classes and issuers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import Busy, Changed
from chalicelib.store.awards import Award
from chalicelib.store.badge_classes import BadgeClass
from chalicelib.store.issuers import ApiKey, Issuer
from chalicelib.store.jobs import Job

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = AT + timedelta(days=30)
ADA, ADA_WORK, BOB = "ada@example.org", "ada@work.example", "bob@example.org"
_made = iter(range(1, 1_000_000))


def _new(email: str = ADA, **changes) -> Award:
    n = next(_made)
    at = AT - timedelta(days=400) + timedelta(minutes=n)
    value = Award(
        id=f"award{n:05d}",
        issuer_id=changes.pop("issuer_id", "issuer1"),
        badge_id=changes.pop("badge_id", "badge1"),
        listing=f"{at.isoformat()}#award{n:05d}",
        issued_on=at,
        image_key="badges/badge1.png",
        state="pending",
        notice="none",
        created_at=at,
        updated_at=at,
        recipient_email=email,
    )
    return replace(value, **changes)


def awarded(store, email: str = ADA, **changes) -> Award:
    value = _new(email, **changes)
    store.awards.award_one(value, key=None, at=value.created_at)
    return value


def counts(store, *addresses: str, at: datetime = AT) -> dict[str, int]:
    return dict(store.shelves.shelf(addresses or (ADA,), None, at=at, after=None, limit=50).counts)


def tab(store, name: str, *addresses: str, after=None, limit: int = 50, at: datetime = AT) -> list[str]:
    shelf = store.shelves.shelf(addresses or (ADA,), name, at=at, after=after, limit=limit)
    assert shelf.tab == name
    return [a.id for a in shelf.awards]


def test_an_empty_shelf_counts_nothing_and_opens_on_pending(store):
    shelf = store.shelves.shelf([ADA], None, at=AT, after=None, limit=50)
    assert shelf.tab == "pending" and shelf.awards == () and shelf.after is None
    assert dict(shelf.counts) == dict.fromkeys(("pending", "accepted", "expired", "revoked", "rejected"), 0)


def test_each_move_moves_the_counts_and_the_tabs(store):
    a, b, c, d = (awarded(store) for _ in range(4))
    store.awards.accept(a, at=AT)
    store.awards.reject(b, at=AT)
    revoked = store.awards.revoke(c, "fraud", at=AT)
    assert counts(store) == {"pending": 1, "accepted": 1, "expired": 0, "revoked": 1, "rejected": 1}
    assert tab(store, "accepted") == [a.id] and tab(store, "rejected") == [b.id]
    assert tab(store, "revoked") == [revoked.id] and tab(store, "pending") == [d.id]
    store.awards.recover(replace(b, state="rejected"), at=AT)
    store.awards.erase(revoked, at=AT)
    store.awards.erase(d, at=AT)
    assert counts(store) == {"pending": 1, "accepted": 1, "expired": 0, "revoked": 0, "rejected": 0}
    assert tab(store, "pending") == [b.id] and tab(store, "revoked") == []


def test_a_resend_of_a_rejected_badge_puts_it_back_in_pending(store):
    a = store.awards.reject(awarded(store), at=AT)
    store.awards.resend(replace(a, state="rejected"), at=AT)
    assert counts(store)["pending"] == 1 and counts(store)["rejected"] == 0


def test_expired_is_derived_at_the_instant_read_and_recertify_brings_it_back(store):
    soon = awarded(store, expires=AT - timedelta(days=1))
    accepted = store.awards.accept(awarded(store, expires=LATER), at=AT)
    revoked = awarded(store, state="revoked", expires=AT - timedelta(days=1))  # revoked never expires
    assert counts(store) == {"pending": 0, "accepted": 1, "expired": 1, "revoked": 1, "rejected": 0}
    assert tab(store, "revoked") == [revoked.id]
    assert tab(store, "expired") == [soon.id] and tab(store, "pending") == []
    assert counts(store, at=LATER + timedelta(days=1))["expired"] == 2
    assert tab(store, "accepted", at=LATER + timedelta(days=1)) == []
    store.awards.recertify(soon, LATER + timedelta(days=90), at=AT)
    assert counts(store)["expired"] == 0 and tab(store, "pending") == [soon.id]
    assert tab(store, "accepted") == [accepted.id]


def test_the_first_tab_holding_badges_is_chosen_when_none_is_asked(store):
    store.awards.accept(awarded(store), at=AT)
    assert store.shelves.shelf([ADA], None, at=AT, after=None, limit=50).tab == "accepted"
    assert store.shelves.shelf([ADA], "nonsense", at=AT, after=None, limit=50).tab == "accepted"


def test_pages_run_newest_first_across_addresses_and_their_cursor_round_trips(store):
    made = [awarded(store, email=(ADA, ADA_WORK)[n % 2]).id for n in range(7)]
    awarded(store, email=BOB)
    seen, after = [], None
    while True:
        shelf = store.shelves.shelf([ADA, ADA_WORK], "pending", at=AT, after=after, limit=3)
        seen += [a.id for a in shelf.awards]
        after = shelf.after
        if after is None:
            break
    assert seen == made[::-1]
    assert counts(store, ADA, ADA_WORK)["pending"] == 7 and counts(store, BOB)["pending"] == 1


def test_expired_tab_pages_newest_first_too(store):
    made = [awarded(store, expires=AT - timedelta(days=n + 1)).id for n in range(5)]
    first = store.shelves.shelf([ADA], "expired", at=AT, after=None, limit=3)
    rest = store.shelves.shelf([ADA], "expired", at=AT, after=first.after, limit=3)
    assert [a.id for a in first.awards + rest.awards] == made[::-1] and rest.after is None


def test_a_page_comes_with_its_badge_classes_and_issuers(store):
    issuer = Issuer("issuer1", "Open Skills", "https://skills.example", "b@skills.example", AT, AT)
    store.issuers.create(issuer, ApiKey("hash1", "issuer1", "key1", "lrl_ab", AT))
    issuer = store.issuers.get("issuer1")
    badge = BadgeClass("badge1", "issuer1", "Data Literacy", "Reads data.", "badges/b.png", AT, AT)
    store.badge_classes.create(badge)
    awarded(store)
    awarded(store, badge_id="gone", issuer_id="gone")
    shelf = store.shelves.shelf([ADA], "pending", at=AT, after=None, limit=50)
    assert shelf.badge_classes == {"badge1": badge} and shelf.issuers == {"issuer1": issuer}
    assert store.shelves.describe(shelf.awards) == ({"badge1": badge}, {"issuer1": issuer})
    assert store.shelves.describe([]) == ({}, {})


def test_the_overview_reads_counts_the_newest_awards_and_every_expired_one(store):
    old = awarded(store, expires=AT - timedelta(days=10))
    newer = awarded(store, expires=AT - timedelta(days=2))
    made = [awarded(store).id for _ in range(4)]
    work = awarded(store, email=ADA_WORK)
    erased = awarded(store)
    store.awards.erase(erased, at=AT)
    found = store.shelves.overview([ADA, ADA_WORK], at=AT, recent=3)
    assert [a.id for a in found.newest] == [work.id, *made[::-1][:3]]
    assert [a.id for a in found.expired] == [newer.id, old.id]
    assert found.counts["pending"] == 5 and found.counts["expired"] == 2


def test_a_refused_move_moves_no_count(store):
    a = awarded(store)
    store.awards.accept(a, at=AT)
    with pytest.raises(Changed):
        store.awards.accept(a, at=AT)  # read as pending: it is not any more
    with pytest.raises(Changed):
        store.awards.erase(a, at=AT)
    assert counts(store) == {"pending": 0, "accepted": 1, "expired": 0, "revoked": 0, "rejected": 0}


def test_a_busy_store_moves_neither_the_award_nor_its_count(store, refuse_next):
    a = awarded(store)
    refuse_next()
    with pytest.raises(Busy):
        store.awards.accept(a, at=AT)
    refuse_next()
    with pytest.raises(Busy):
        awarded(store)
    assert store.awards.get(a.id).state == "pending"
    assert counts(store) == {"pending": 1, "accepted": 0, "expired": 0, "revoked": 0, "rejected": 0}


def test_a_bulk_batch_counts_each_address_once_when_it_is_finished(store):
    job = Job(id="job1", issuer_id="issuer1", badge_id="badge1", total=3, batches=1, created_at=AT)
    store.jobs.create(job, key=None)
    batch = [_new(email, job_id="job1", job_row=n) for n, email in enumerate((ADA, ADA, ADA_WORK), 1)]
    assert store.jobs.award_batch(batch, at=AT) == []
    # counted with the batch's progress, once: a batch's 49 guards leave its own write no room for counts
    store.jobs.finish_batch("job1", 0, written=batch, outcomes={}, failures=[])
    assert counts(store)["pending"] == 2 and counts(store, ADA_WORK)["pending"] == 1
    assert tab(store, "pending", ADA, ADA_WORK) == [a.id for a in batch[::-1]]
