"""JobRepository on both stores: jobs with their Idempotency-Key, failed rows, the batch write with its
guards (all or nothing), the job's awards by row, and progress counted once per batch."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.errors import Busy, Changed, Invalid
from chalicelib.store.awards import KeyUsed
from chalicelib.store.jobs import AlreadyWritten, Job, JobRow, RowError
from tests.support.awards import AT, award, awarded, key


def job(**changes) -> Job:
    value = Job(id="job1", issuer_id="issuer1", badge_id="badge1", total=10, batches=2, created_at=AT, ttl=99)
    return replace(value, **changes)


def rows(n: int, **changes) -> list:
    return [
        award(job_id="job1", job_row=i, recipient_email=f"p{i}@example.org", **changes)
        for i in range(1, n + 1)
    ]


def test_a_job_reads_back_and_its_key_answers_a_retry(store):
    store.jobs.create(job(failed=1), key=key("job1"))
    assert store.jobs.get("job1") == job(failed=1)
    assert store.jobs.get("job1", consistent=True) == job(failed=1)
    assert store.jobs.get("nobody") is None
    with pytest.raises(KeyUsed) as used:
        store.jobs.create(job(id="job2"), key=key("job2"))
    assert used.value.first.result_id == "job1"
    assert store.jobs.get("job2") is None
    store.jobs.create(job(id="job3"), key=None)
    assert store.jobs.get("job3") == job(id="job3")


def test_a_busy_store_creates_no_job_and_keeps_no_key(store, refuse_next):
    refuse_next()
    with pytest.raises(Busy):
        store.jobs.create(job(), key=key("job1"))
    assert store.jobs.get("job1") is None
    assert store.awards.remembered("issuer1", "POST /x", "key-1") is None


def test_a_job_that_could_not_start_says_why(store):
    store.jobs.create(job(), key=None)
    store.jobs.fail("job1", "queue down")
    assert store.jobs.get("job1").error == "queue down"


def test_failed_rows_come_back_by_row(store):
    store.jobs.create(job(), key=None)
    failed = [JobRow(7, (RowError("recipient_email", "is required"),)), JobRow(2, (RowError("", "bad"),))]
    store.jobs.record_failures(job(), failed)
    assert store.jobs.failures("job1") == [failed[1], failed[0]]
    assert store.jobs.failures("other") == []


def test_a_batch_is_written_whole_and_listed_by_row(store):
    store.jobs.create(job(), key=None)
    batch = rows(5)
    assert store.jobs.award_batch(batch, at=AT) == []
    assert store.awards.get_many([a.id for a in batch]) != []
    seen, cursor = [], None
    while True:
        found, cursor = store.jobs.awarded("job1", limit=2, cursor=cursor)
        seen += [a.job_row for a in found]
        if not cursor:
            break
    assert seen == [1, 2, 3, 4, 5]
    _, cursor = store.jobs.awarded("job1", limit=2, cursor=None)
    with pytest.raises(Invalid):
        store.jobs.awarded("job2", limit=2, cursor=cursor)


def test_a_batch_meeting_a_live_award_writes_nothing_and_names_the_refused(store):
    holder = awarded(store, recipient_email="p2@example.org")
    batch = rows(3)
    assert store.jobs.award_batch(batch, at=AT) == [batch[1].id]
    assert store.awards.get_many([a.id for a in batch]) == []
    rest = [batch[0], batch[2]]
    assert store.jobs.award_batch(rest, at=AT) == []
    assert {a.id for a in store.awards.get_many([a.id for a in batch])} == {batch[0].id, batch[2].id}
    assert store.awards.get(holder.id) == holder


def test_a_batch_seen_before_is_recognised(store):
    batch = rows(2)
    store.jobs.award_batch(batch, at=AT)
    with pytest.raises(AlreadyWritten):
        store.jobs.award_batch(batch, at=AT)


def test_duplicates_allowed_and_expired_holders_do_not_refuse(store):
    awarded(store, recipient_email="p1@example.org", expires=AT - timedelta(days=1))
    awarded(store, recipient_email="p2@example.org")
    batch = [rows(1)[0], *rows(2, holds_lock=False)[1:]]
    assert store.jobs.award_batch(batch, at=AT) == []


def test_a_busy_batch_writes_nothing(store, refuse_next):
    batch = rows(3)
    refuse_next()
    with pytest.raises(Busy):
        store.jobs.award_batch(batch, at=AT)
    assert store.awards.get_many([a.id for a in batch]) == []
    assert store.jobs.award_batch(batch, at=AT) == []  # no guard was left behind


def test_a_batch_is_counted_once_with_its_notices_and_failed_rows(store):
    store.jobs.create(job(), key=None)
    batch = rows(3, notice="sending")
    store.jobs.award_batch(batch, at=AT)
    refused = [JobRow(4, (RowError("recipient_email", "duplicate"),))]
    outcomes = {batch[0].id: None, batch[1].id: "rejected"}
    store.jobs.finish_batch("job1", 0, written=batch, outcomes=outcomes, failures=refused)
    now = store.jobs.get("job1")
    assert (now.done, now.failed, now.finished_batches) == (3, 1, frozenset({0}))
    assert store.awards.get(batch[0].id).notice == "sent"
    assert (store.awards.get(batch[1].id).notice, store.awards.get(batch[1].id).notice_error) == (
        "failed",
        "rejected",
    )
    assert store.awards.get(batch[2].id).notice == "sending"
    assert store.jobs.failures("job1") == refused
    with pytest.raises(Changed):
        store.jobs.finish_batch("job1", 0, written=batch, outcomes={batch[2].id: None}, failures=[])
    assert store.jobs.get("job1") == now
    assert store.awards.get(batch[2].id).notice == "sending"  # nothing of the refused write landed


def test_a_busy_finish_counts_nothing(store, refuse_next):
    store.jobs.create(job(), key=None)
    batch = rows(1, notice="sending")
    store.jobs.award_batch(batch, at=AT)
    refuse_next()
    with pytest.raises(Busy):
        store.jobs.finish_batch("job1", 1, written=batch, outcomes={batch[0].id: None}, failures=[])
    assert store.jobs.get("job1") == job()
    store.jobs.finish_batch("job1", 1, written=batch, outcomes={batch[0].id: None}, failures=[])
    assert store.jobs.get("job1").done == 1


def test_a_full_batch_fits_its_writes_and_counts_its_recipients_once(store):
    store.jobs.create(job(), key=None)
    batch = rows(49, notice="sending")  # every row guarded, each to its own address: the largest batch
    assert store.jobs.award_batch(batch, at=AT) == []
    outcomes = {a.id: None for a in batch}
    store.jobs.finish_batch("job1", 0, written=batch, outcomes=outcomes, failures=[])
    assert store.jobs.get("job1").done == 49
    assert store.shelves.overview(["p1@example.org"], at=AT, recent=5).counts["pending"] == 1
    with pytest.raises(Changed):
        store.jobs.finish_batch("job1", 0, written=batch, outcomes=outcomes, failures=[])
    assert store.shelves.overview(["p1@example.org"], at=AT, recent=5).counts["pending"] == 1
