"""Issuing rules on the in-memory store (the fast tier): awards, keys, duplicates, revoke, resend,
lists and bulk jobs from request to mail, with no AWS at all."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from chalicelib.errors import Busy, Conflict, Invalid, NotFound
from chalicelib.services.issuing import award_changes, awards, bulk, bulk_worker, unsubscribe
from chalicelib.store.memory import MemoryStore

ISSUER = SimpleNamespace(id="issuer1", name="Data School", url="https://school.example")
BADGE = SimpleNamespace(
    id="badge1",
    issuer_id="issuer1",
    image_key="badges/badge1.png",
    expires_after=None,
    name="Data Skills",
    description="Can read data.",
)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def give(store, email="ada@example.org", *, key=None, **fields):
    return awards.award(
        "issuer1", BADGE, {"recipient_email": email, **fields}, idempotency_key=key, store=store
    )


def test_an_award_is_pending_and_its_notice_queued(store):
    made, created = give(store, evidence=[{"url": "https://example.org/work"}])
    assert created and (made.state, made.notice) == ("pending", "queued")
    assert store.queue.messages == [{"kind": "notice", "assertion_id": made.id}]
    body = awards.to_api(made)
    assert body["evidence"] == [{"url": "https://example.org/work"}] and body["state"] == "pending"
    assert awards.find("issuer1", made.id, store=store) == made
    with pytest.raises(NotFound):
        awards.find("issuer2", made.id, store=store)


def test_a_repeated_key_answers_the_first_award_and_another_body_is_refused(store):
    first, _ = give(store, key="k1")
    again, created = give(store, key="k1")
    assert (again.id, created) == (first.id, False)
    with pytest.raises(Conflict, match="different request"):
        give(store, "bob@example.org", key="k1")
    assert len(store.db.table("awards")) == 1


def test_a_second_live_award_needs_allow_duplicate(store):
    first, _ = give(store)
    with pytest.raises(Conflict) as refused:
        give(store)
    assert refused.value.extra == {"existing_id": first.id}
    second, created = give(store, allow_duplicate=True)
    assert created and second.id != first.id


def test_a_busy_store_awards_nothing_and_the_retry_awards_once(store):
    store.db.faults.busy_next()
    with pytest.raises(Busy):
        give(store, key="k1")
    assert store.db.table("awards") == {} and store.queue.messages == []
    made, created = give(store, key="k1")
    assert created and list(store.db.table("awards")) == [made.id]


def test_a_queue_refusing_the_notice_marks_it_failed(store, monkeypatch):
    def refuse(messages):
        raise RuntimeError("queue down")

    monkeypatch.setattr(store.queue, "send", refuse)
    made, _ = give(store)
    assert (made.notice, made.notice_error) == ("failed", "queue down")


def test_an_invalid_body_is_422_and_writes_nothing(store):
    with pytest.raises(Invalid):
        give(store, "not an address")
    assert store.db.table("awards") == {}


def test_revoke_is_final_idempotent_and_frees_the_address(store):
    made, _ = give(store)
    revoked = award_changes.revoke("issuer1", made.id, "fraud", store=store)
    assert (revoked.state, revoked.revocation_reason) == ("revoked", "fraud")
    again = award_changes.revoke("issuer1", made.id, "other", store=store)
    assert again.revocation_reason == "fraud"
    assert give(store)[1]  # the address is free again
    with pytest.raises(Conflict):
        award_changes.resend("issuer1", made.id, store=store)


def test_resend_reopens_a_rejected_award_but_not_while_a_notice_is_queued(store):
    made, _ = give(store)
    with pytest.raises(Conflict, match="on its way"):
        award_changes.resend("issuer1", made.id, store=store)
    store.awards.notice_sent(made.id)
    store.awards.reject(store.awards.get(made.id), at=made.created_at)
    with pytest.raises(Conflict, match="declined"):
        award_changes.resend("issuer1", made.id, reopen=False, store=store)
    sent = award_changes.resend("issuer1", made.id, store=store)
    assert (sent.state, sent.notice) == ("pending", "queued")


def test_lists_filter_and_page(store):
    made = [give(store, f"p{i}@example.org")[0].id for i in range(5)]
    page, cursor = awards.list_page("issuer1", limit=2, store=store)
    seen = [a.id for a in page]
    while cursor:
        page, cursor = awards.list_page("issuer1", limit=2, cursor=cursor, store=store)
        seen += [a.id for a in page]
    assert sorted(seen) == sorted(made)  # each once (made within a second: their order is by id)
    found, _ = awards.list_page("issuer1", email="p3@example.org", state="pending", store=store)
    assert [a.id for a in found] == [made[3]]


def run_queue(store) -> list[str]:
    return [bulk_worker.process_batch(m, store=store) for m in store.queue.drain() if m["kind"] == "bulk"]


def test_a_bulk_job_awards_and_mails_each_valid_row_once(store, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_ROWS", 2)
    unsubscribe.opt_out("out@example.org", store=store)
    rows = [{"recipient_email": f"p{i}@example.org"} for i in range(4)]
    rows += [
        {"recipient_email": "out@example.org"},
        {"recipient_email": "p0@example.org"},
        {"narrative": "x"},
    ]
    job, errors = bulk.start(ISSUER, BADGE, rows, store=store)
    assert [e["row"] for e in errors] == [6, 7]  # a repeated address, a row without one
    messages = list(store.queue.messages)
    assert run_queue(store) == ["done", "done", "done"]
    report = bulk.job_report("issuer1", job.id, limit=10, cursor=None, store=store)
    assert (report["status"], report["done"], report["failed"]) == ("finished", 5, 2)
    assert [r["row"] for r in report["results"]] == [1, 2, 3, 4, 5]
    assert sorted(m["to"] for m in store.mail.sent) == [f"p{i}@example.org" for i in range(4)]
    store.queue.send(messages)  # SQS delivers every batch again
    assert run_queue(store) == ["duplicate", "duplicate", "duplicate"]
    assert len(store.mail.sent) == 4


def test_a_bulk_row_meeting_a_live_award_fails_alone(store):
    give(store, "p1@example.org")
    rows = [{"recipient_email": "p0@example.org"}, {"recipient_email": "p1@example.org"}]
    job, _ = bulk.start(ISSUER, BADGE, rows, store=store)
    store.queue.messages = [m for m in store.queue.messages if m["kind"] == "bulk"]
    assert run_queue(store) == ["done"]
    report = bulk.job_report("issuer1", job.id, limit=10, cursor=None, store=store)
    assert report["failures"] == [
        {"row": 2, "errors": [{"field": "recipient_email", "detail": bulk_worker.DUPLICATE}]}
    ]
    assert (report["done"], report["failed"]) == (1, 1)


def test_a_bulk_retry_with_the_same_key_answers_the_first_job(store):
    rows = [{"recipient_email": "p0@example.org"}]
    first, _ = bulk.start(ISSUER, BADGE, rows, idempotency_key="k", raw=b"same", store=store)
    again, _ = bulk.start(ISSUER, BADGE, rows, idempotency_key="k", raw=b"same", store=store)
    assert again == first
    with pytest.raises(Conflict):
        bulk.start(ISSUER, BADGE, rows, idempotency_key="k", raw=b"other", store=store)
