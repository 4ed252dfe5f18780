"""Faults in bulk awards: the request answers 503 with nothing half-started; the worker awards each row
once, mails each recipient at most once, counts each batch once, and a dead-lettered batch shows."""

from __future__ import annotations

import pytest

from tests.support.faults import (
    Crash,
    Fault,
    inject,
    mails_per_recipient,
    queue_url,
    ses_rejects,
    transaction_touching,
    waiting,
    work_queue,
)
from tests.support.inprocess import assert_problem, store_snapshot

UNCONFIRMED = "delivery unconfirmed after an interruption; resend to be sure"
EMAILS = [f"b{i}@example.org" for i in range(5)]


def bulk(issuer, badge: dict, emails: list[str] = EMAILS, extra_rows: list | None = None):
    rows = [{"recipient_email": e} for e in emails] + (extra_rows or [])
    return issuer.api.call(
        "POST", f"/api/v1/badgeclasses/{badge['id']}/assertions/bulk", {"assertions": rows}
    )


def job(issuer, job_id: str) -> dict:
    r = issuer.api.call("GET", f"/api/v1/jobs/{job_id}?limit=100")
    assert r.status_code == 200, r.body
    return r.json


def progress(report: dict) -> tuple:
    return report["status"], report["total"], report["done"], report["failed"]


def notices(report: dict) -> set[str]:
    return {r["notice"] for r in report["results"]}


def awarded_once(issuer, emails: list[str]) -> None:
    items = issuer.api.call("GET", "/api/v1/assertions?limit=100").json["items"]
    assert sorted(i["recipient_email"] for i in items) == sorted(emails)


def batch_write(params: dict) -> bool:
    """The worker's transaction that writes a batch's awards (it starts with a Put)."""
    return "Put" in params["TransactItems"][0]


# --- the request ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault("PutItem", when=lambda p: "JOB#" in repr(p["Item"]["pk"])),  # storing the job
        Fault("BatchGetItem"),  # reading opt-outs
    ],
    ids=["job-save", "opt-outs"],
)
def test_a_busy_store_refuses_the_job_with_503_and_the_retry_runs_it_once(issuer, badge_class, fault):
    before = store_snapshot()
    with inject(fault):
        r = bulk(issuer, badge_class)
    assert_problem(r, 503)
    assert r.headers["Retry-After"] == "2" and fault.hits == 1
    assert store_snapshot() == before
    r = bulk(issuer, badge_class)
    assert r.status_code == 202
    assert work_queue() == ["ok"]
    assert progress(job(issuer, r.json["id"])) == ("finished", 5, 5, 0)
    assert mails_per_recipient() == dict.fromkeys(EMAILS, 1)


def test_a_job_that_could_not_be_queued_shows_failed_not_stuck(issuer, badge_class):
    bad = [{"recipient_email": "not an address"}]
    with inject(Fault("BatchWriteItem")):  # recording the bad row's errors
        r = bulk(issuer, badge_class, extra_rows=bad)
    body = assert_problem(r, 503)
    report = job(issuer, body["job_id"])
    assert report["status"] == "failed" and "could not queue the job" in report["error"]
    assert waiting() == 0 and report["results"] == []
    r = bulk(issuer, badge_class, extra_rows=bad)
    assert work_queue() == ["ok"]
    assert progress(job(issuer, r.json["id"])) == ("finished", 6, 5, 1)
    awarded_once(issuer, EMAILS)


# --- the worker: store faults --------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault("TransactWriteItems", when=batch_write, times=2),
        Fault(
            "TransactWriteItems",
            when=batch_write,
            code="TransactionCanceledException",
            reasons="TransactionConflict",
        ),
        Fault(
            "TransactWriteItems", when=transaction_touching("finished_batches"), code="InternalServerError"
        ),
    ],
    ids=["write-throttled-twice", "write-conflict", "progress-failed-after-ses"],
)
def test_a_batch_whose_transaction_fails_is_redelivered_and_counted_once(issuer, badge_class, fault):
    r = bulk(issuer, badge_class)
    with inject(fault):
        outcomes = work_queue()
    assert outcomes == ["Busy"] * fault.times + ["ok"]
    report = job(issuer, r.json["id"])
    assert progress(report) == ("finished", 5, 5, 0)
    awarded_once(issuer, EMAILS)
    assert mails_per_recipient() == dict.fromkeys(EMAILS, 1)
    # mailed before the progress failed: the redelivery cannot know that, so it says so
    after_ses = fault.when is not batch_write
    assert notices(report) == ({"failed"} if after_ses else {"sent"})


def test_a_batch_written_but_unanswered_is_finished_without_a_blind_mail(issuer, badge_class):
    r = bulk(issuer, badge_class)
    with inject(Fault("TransactWriteItems", when=batch_write, after=True)):
        assert work_queue() == ["Busy", "ok"]
    report = job(issuer, r.json["id"])
    assert progress(report) == ("finished", 5, 5, 0)
    assert notices(report) == {"failed"}
    awarded_once(issuer, EMAILS)
    assert mails_per_recipient() == {}


# --- the worker: crashes between the write and the mail ------------------------------------------


def test_a_soft_crash_before_ses_hands_the_notices_back_and_they_are_mailed_once(
    issuer, badge_class, monkeypatch
):
    from chalicelib.services.issuing import notices as notice_service

    real, calls = notice_service.recipient_data, []

    def fails_once(item, token):
        calls.append(item.id)
        if len(calls) == 1:
            raise RuntimeError("worker bug")
        return real(item, token)

    monkeypatch.setattr(notice_service, "recipient_data", fails_once)
    r = bulk(issuer, badge_class)
    assert work_queue() == ["RuntimeError", "ok"]
    report = job(issuer, r.json["id"])
    assert progress(report) == ("finished", 5, 5, 0) and notices(report) == {"sent"}
    assert mails_per_recipient() == dict.fromkeys(EMAILS, 1)


@pytest.mark.parametrize("after", [False, True], ids=["killed-before-ses", "killed-after-ses"])
def test_a_batch_killed_around_ses_is_marked_unconfirmed_never_mailed_twice(issuer, badge_class, after):
    r = bulk(issuer, badge_class)
    with inject(Fault("SendBulkTemplatedEmail", service="ses", error=Crash(), after=after)):
        assert work_queue() == ["Crash", "ok"]
    report = job(issuer, r.json["id"])
    assert progress(report) == ("finished", 5, 5, 0)
    assert notices(report) == {"failed"}
    one = issuer.api.call("GET", f"/api/v1/assertions/{report['results'][0]['assertion_id']}").json
    assert one["notice_error"] == UNCONFIRMED
    assert mails_per_recipient() == (dict.fromkeys(EMAILS, 1) if after else {})


def test_a_killed_batch_with_a_duplicate_row_still_finishes(issuer, badge_class):
    path = f"/api/v1/badgeclasses/{badge_class['id']}/assertions"
    issuer.api.call("POST", path, {"recipient_email": "taken@example.org", "notify": False})
    r = bulk(issuer, badge_class, ["taken@example.org", "n1@example.org", "n2@example.org"])
    with inject(Fault("SendBulkTemplatedEmail", service="ses", error=Crash(), after=True)):
        assert work_queue() == ["Crash", "ok"]
    report = job(issuer, r.json["id"])
    assert progress(report) == ("finished", 3, 2, 1)
    assert [f["row"] for f in report["failures"]] == [1]
    assert mails_per_recipient() == {"n1@example.org": 1, "n2@example.org": 1}


def test_a_recovery_that_is_throttled_itself_is_retried_and_counted_once(issuer, badge_class):
    r = bulk(issuer, badge_class)
    with inject(
        Fault("SendBulkTemplatedEmail", service="ses", error=Crash(), after=True),
        Fault("BatchGetItem", times=2),  # the redelivery's look at what was written
    ):
        assert work_queue() == ["Crash", "Busy", "Busy", "ok"]
    assert progress(job(issuer, r.json["id"])) == ("finished", 5, 5, 0)
    assert mails_per_recipient() == dict.fromkeys(EMAILS, 1)


# --- the worker: SES -----------------------------------------------------------------------------


def test_ses_refusing_some_destinations_shows_those_failed_and_a_resend_mails_them_once(issuer, badge_class):
    r = bulk(issuer, badge_class)
    with inject(Fault("SendBulkTemplatedEmail", service="ses", respond=ses_rejects({"b1@example.org"}))):
        assert work_queue() == ["ok"]
    report = job(issuer, r.json["id"])
    assert progress(report) == ("finished", 5, 5, 0)
    by_id = {x["assertion_id"]: x["notice"] for x in report["results"]}
    [failed] = [i for i, state in by_id.items() if state == "failed"]
    one = issuer.api.call("GET", f"/api/v1/assertions/{failed}").json
    assert one["recipient_email"] == "b1@example.org" and "MessageRejected" in one["notice_error"]
    assert mails_per_recipient() == {e: 1 for e in EMAILS if e != "b1@example.org"}
    assert issuer.api.call("POST", f"/api/v1/assertions/{failed}/resend").status_code == 200
    assert work_queue() == ["ok"]
    assert mails_per_recipient() == dict.fromkeys(EMAILS, 1)


def test_ses_throttling_the_whole_batch_mails_it_on_redelivery_once(issuer, badge_class):
    r = bulk(issuer, badge_class)
    with inject(Fault("SendBulkTemplatedEmail", service="ses", code="Throttling")):
        assert work_queue() == ["Busy", "ok"]
    report = job(issuer, r.json["id"])
    assert progress(report) == ("finished", 5, 5, 0) and notices(report) == {"sent"}
    assert mails_per_recipient() == dict.fromkeys(EMAILS, 1)


def test_ses_refusing_the_whole_batch_for_good_shows_every_notice_failed(issuer, badge_class):
    r = bulk(issuer, badge_class)
    with inject(Fault("SendBulkTemplatedEmail", service="ses", code="AccountSendingPausedException")):
        assert work_queue() == ["ok"]
    report = job(issuer, r.json["id"])
    assert progress(report) == ("finished", 5, 5, 0) and notices(report) == {"failed"}
    assert mails_per_recipient() == {}


# --- the queue -----------------------------------------------------------------------------------


def test_a_batch_delivered_twice_is_awarded_mailed_and_counted_once(issuer, badge_class):
    from chalicelib.store.aws import client

    r = bulk(issuer, badge_class)
    sqs = client("sqs")
    [message] = sqs.receive_message(QueueUrl=queue_url(), VisibilityTimeout=0)["Messages"]
    sqs.send_message(QueueUrl=queue_url(), MessageBody=message["Body"])
    assert work_queue() == ["ok", "ok"]
    assert progress(job(issuer, r.json["id"])) == ("finished", 5, 5, 0)
    awarded_once(issuer, EMAILS)
    assert mails_per_recipient() == dict.fromkeys(EMAILS, 1)


@pytest.mark.parametrize(
    ("fault", "dead", "results"),
    [  # the 2-row batch cannot be written: 3 rows done; SES is down: both batches written, unmailed
        (
            Fault(
                "TransactWriteItems", when=lambda p: batch_write(p) and len(p["TransactItems"]) == 4, times=99
            ),
            1,
            3,
        ),
        (Fault("SendBulkTemplatedEmail", service="ses", code="Throttling", times=99), 2, 5),
    ],
    ids=["store-down", "ses-down"],
)
def test_a_dead_lettered_batch_shows_the_job_unfinished_until_replayed(
    issuer, badge_class, monkeypatch, fault, dead, results
):
    from chalicelib.config import get_settings
    from chalicelib.services.issuing import bulk as bulk_service
    from chalicelib.store.aws import client
    from local import deadletters

    monkeypatch.setattr(bulk_service, "BATCH_ROWS", 3)  # two batches: rows 1-3 and 4-5
    r = bulk(issuer, badge_class)
    with inject(fault):
        outcomes = work_queue()
    assert outcomes.count("ok") == 2 - dead and len(outcomes) == 2 - dead + 5 * dead  # five tries each
    report = job(issuer, r.json["id"])
    # what GET /jobs/{id} shows while a batch sits in the dead-letter queue
    assert report["status"] == "running" and report["done"] + report["failed"] < report["total"]
    assert len(report["results"]) == results  # rows written but unmailed show notice "queued"
    assert notices(report) <= {"sent", "queued"}
    assert (waiting(), waiting(dead_letters=True)) == (0, dead)
    assert deadletters.replay(client("sqs"), get_settings().mail_queue) == dead
    assert set(work_queue()) == {"ok"}
    report = job(issuer, r.json["id"])
    assert progress(report) == ("finished", 5, 5, 0) and notices(report) == {"sent"}
    assert mails_per_recipient() == dict.fromkeys(EMAILS, 1)
    awarded_once(issuer, EMAILS)
