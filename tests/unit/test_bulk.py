"""Bulk awards: validated up front, processed through the queue in batches of 49, counted once."""

from __future__ import annotations

import json

import pytest

from tests.support.bulk import all_results, bulk, destinations, job
from tests.support.faults import Crash
from tests.support.inprocess import deliver, drain_queue, sent_mail, take_messages

pytestmark = pytest.mark.usefixtures("no_500")


def test_bulk_of_120_is_awarded_in_three_mail_calls(issuer, badge_class):
    rows = [{"recipient_email": f"r{i:03d}@example.org", "recipient_name": f"R {i}"} for i in range(120)]
    r = bulk(issuer, badge_class, rows)
    assert r.status_code == 202, r.body
    assert r.headers["Location"] == r.json["status_url"] == f"/api/v1/jobs/{r.json['id']}"
    assert (r.json["total"], r.json["done"], r.json["failed"], r.json["status"]) == (120, 0, 0, "running")
    assert r.json["errors"] == []
    assert drain_queue() == 3
    report = job(issuer, r.json["id"])
    assert (report["done"], report["failed"], report["total"], report["status"]) == (120, 0, 120, "finished")
    assert report["failures"] == []
    results = all_results(issuer, r.json["id"])
    assert sorted(x["row"] for x in results) == list(range(1, 121))
    assert {x["notice"] for x in results} == {"sent"} and {x["state"] for x in results} == {"pending"}
    mails = sent_mail()
    assert sorted(len(m.destinations) for m in mails) == [22, 49, 49]
    assert sorted(destinations()) == sorted(row["recipient_email"] for row in rows)
    claim = json.loads(mails[0].destinations[0]["ReplacementTemplateData"])["claim_url"]
    assert claim.startswith("https://badges.example/claim/")
    listed = issuer.api.call("GET", f"/api/v1/assertions?limit=100&badge_class={badge_class['id']}").json
    assert len(listed["items"]) == 100 and listed["next_cursor"]
    first = results[0]
    one = issuer.api.call("GET", f"/api/v1/assertions/{first['assertion_id']}").json
    assert one["job_id"] == r.json["id"] and one["recipient_email"] == f"r{first['row'] - 1:03d}@example.org"
    hosted = issuer.api.call(
        "GET", f"/public/assertions/{first['assertion_id']}", headers={"Accept": "application/ld+json"}
    )
    assert hosted.status_code == 200 and hosted.json["recipient"]["hashed"] is True


def test_bulk_row_with_an_active_award_fails_with_a_reason(issuer, badge_class):
    path = f"/api/v1/badgeclasses/{badge_class['id']}/assertions"
    existing = issuer.api.call("POST", path, {"recipient_email": "taken@example.org", "notify": False}).json
    rows = [{"recipient_email": "a@example.org"}, {"recipient_email": "TAKEN@example.org"}]
    rows.append({"recipient_email": "b@example.org"})
    r = bulk(issuer, badge_class, rows)
    assert r.status_code == 202, r.body
    drain_queue()
    report = job(issuer, r.json["id"])
    assert (report["done"], report["failed"], report["total"], report["status"]) == (2, 1, 3, "finished")
    assert [f["row"] for f in report["failures"]] == [2]
    assert "already has an active award" in report["failures"][0]["errors"][0]["detail"]
    assert sorted(x["row"] for x in report["results"]) == [1, 3]
    assert sorted(destinations()) == ["a@example.org", "b@example.org"]
    mine = issuer.api.call("GET", "/api/v1/assertions?recipient_email=taken@example.org").json["items"]
    assert [a["id"] for a in mine] == [existing["id"]]


def test_bulk_rows_with_allow_duplicate_and_notify_false(issuer, badge_class):
    path = f"/api/v1/badgeclasses/{badge_class['id']}/assertions"
    issuer.api.call("POST", path, {"recipient_email": "taken@example.org", "notify": False})
    rows = [
        {"recipient_email": "taken@example.org", "allow_duplicate": True},
        {"recipient_email": "quiet@example.org", "notify": False},
    ]
    r = bulk(issuer, badge_class, rows)
    drain_queue()
    report = job(issuer, r.json["id"])
    assert (report["done"], report["failed"]) == (2, 0)
    assert {x["row"]: x["notice"] for x in report["results"]} == {1: "sent", 2: "none"}
    assert destinations() == ["taken@example.org"]


def test_redelivered_batch_awards_and_mails_once(issuer, badge_class):
    rows = [{"recipient_email": f"d{i}@example.org"} for i in range(5)]
    r = bulk(issuer, badge_class, rows)
    [body] = take_messages()
    deliver(body)
    deliver(body)
    report = job(issuer, r.json["id"])
    assert (report["done"], report["failed"], report["total"], report["status"]) == (5, 0, 5, "finished")
    assert len(report["results"]) == 5
    assert len(sent_mail()) == 1 and len(destinations()) == 5
    listed = issuer.api.call("GET", "/api/v1/assertions").json["items"]
    assert len(listed) == 5
    assert drain_queue() == 0


def test_redelivered_batch_with_a_duplicate_row_counts_once(issuer, badge_class):
    path = f"/api/v1/badgeclasses/{badge_class['id']}/assertions"
    issuer.api.call("POST", path, {"recipient_email": "taken@example.org", "notify": False})
    r = bulk(
        issuer, badge_class, [{"recipient_email": "taken@example.org"}, {"recipient_email": "n@example.org"}]
    )
    [body] = take_messages()
    deliver(body)
    deliver(body)
    report = job(issuer, r.json["id"])
    assert (report["done"], report["failed"], report["total"]) == (1, 1, 2)
    assert [f["row"] for f in report["failures"]] == [1]
    assert destinations() == ["n@example.org"]


def test_batch_interrupted_before_progress_is_recovered_without_mail(issuer, badge_class, monkeypatch):
    from chalicelib.services.issuing import bulk_worker

    r = bulk(issuer, badge_class, [{"recipient_email": f"i{i}@example.org"} for i in range(3)])
    [body] = take_messages()
    monkeypatch.setattr(bulk_worker, "_mail", lambda *a: (_ for _ in ()).throw(Crash()))  # a hard kill
    with pytest.raises(Crash):
        deliver(body)
    monkeypatch.undo()
    deliver(body)
    report = job(issuer, r.json["id"])
    assert (report["done"], report["failed"], report["status"]) == (3, 0, "finished")
    assert {x["notice"] for x in report["results"]} == {"failed"}
    assert sent_mail() == []


def test_job_of_another_issuer_and_unknown_job_are_404(issuer, badge_class):
    r = issuer.api.call("GET", "/api/v1/jobs/nope")
    assert r.status_code == 404 and r.headers["Content-Type"] == "application/problem+json"


def test_long_rows_are_cut_into_smaller_batches_that_fit_the_queue(issuer, badge_class):
    narrative = "n" * 10_000
    evidence = [{"narrative": "e" * 5_000} for _ in range(10)]
    rows = [
        {"recipient_email": f"long{i}@example.org", "narrative": narrative, "evidence": evidence}
        for i in range(49)
    ]
    r = bulk(issuer, badge_class, rows)
    assert r.status_code == 202, r.body
    handled = drain_queue()
    assert handled > 1  # one 49-row message would be ~2.9 MB: over the queue's limit
    report = job(issuer, r.json["id"])
    assert (report["done"], report["failed"], report["status"]) == (49, 0, "finished")
    assert len(destinations()) == 49


def test_queue_failure_marks_the_job_failed_and_answers_503(issuer, badge_class, monkeypatch):
    from chalicelib.store import queue

    def refuse(messages):
        raise RuntimeError("queue is down")

    monkeypatch.setattr(queue, "send", refuse)
    r = bulk(issuer, badge_class, [{"recipient_email": "q@example.org"}])
    assert r.status_code == 503 and r.headers["Content-Type"] == "application/problem+json"
    report = job(issuer, r.json["job_id"])
    assert report["status"] == "failed" and "queue is down" in report["error"]


def test_bulk_names_both_accepted_content_types(issuer, badge_class):
    r = issuer.api.call(
        "POST",
        f"/api/v1/badgeclasses/{badge_class['id']}/assertions/bulk",
        raw="a,b",
        headers={"Content-Type": "application/xml"},
    )
    assert r.status_code == 415 and "text/csv" in r.json["detail"]


def test_json_rows_cannot_smuggle_csv_markers(issuer, badge_class):
    r = bulk(issuer, badge_class, [{"recipient_email": "x@example.org", "_extra_cells": False}])
    assert r.status_code == 422
    assert r.json["errors"][0]["field"] == "_extra_cells"
