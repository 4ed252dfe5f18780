"""Issue 9, pattern 7 elsewhere: a bulk request retried after a lost answer must not award (and mail)
its rows twice. Like a single award, it takes an Idempotency-Key and answers the first job."""

from __future__ import annotations

import pytest

from tests.support.bulk import all_results, bulk, destinations
from tests.support.inprocess import assert_problem, drain_queue

ROWS = [{"recipient_email": f"r{i}@example.org", "allow_duplicate": True} for i in range(3)]


def bulk_with_key(issuer, badge: dict, key: str, body, content_type: str = "application/json"):
    path = f"/api/v1/badgeclasses/{badge['id']}/assertions/bulk"
    headers = {"Idempotency-Key": key, "Content-Type": content_type}
    raw = body if isinstance(body, str) else None
    return issuer.api.call("POST", path, None if raw else body, headers=headers, raw=raw)


@pytest.mark.parametrize("csv", [False, True], ids=["json", "csv"])
def test_a_retried_bulk_request_is_one_job_and_awards_once(issuer, badge_class, csv):
    if csv:
        lines = [f"{r['recipient_email']},true\n" for r in ROWS]
        body, kind = "recipient_email,allow_duplicate\n" + "".join(lines), "text/csv"
    else:
        body, kind = {"assertions": ROWS}, "application/json"
    first = bulk_with_key(issuer, badge_class, "roster-1", body, kind)
    retry = bulk_with_key(issuer, badge_class, "roster-1", body, kind)  # the first answer was lost
    assert first.status_code == 202, first.body
    assert retry.status_code == 202 and retry.json["id"] == first.json["id"]  # was: a second job
    drain_queue()
    assert len(all_results(issuer, first.json["id"])) == 3
    awarded = issuer.api.call("GET", f"/api/v1/badgeclasses/{badge_class['id']}/assertions").json["items"]
    assert len(awarded) == 3  # was: 6 (the rows allow duplicates)
    assert sorted(destinations()) == sorted(r["recipient_email"] for r in ROWS)  # one mail each


def test_the_bulk_key_is_scoped_and_bound_to_its_body(issuer, badge_class):
    first = bulk_with_key(issuer, badge_class, "roster-1", {"assertions": ROWS})
    other = bulk_with_key(issuer, badge_class, "roster-1", {"assertions": ROWS[:1]})
    assert_problem(other, 409, "different request")
    single = issuer.api.call(  # the same key on the single-award operation is another request
        "POST",
        f"/api/v1/badgeclasses/{badge_class['id']}/assertions",
        {"recipient_email": "x@example.org"},
        headers={"Idempotency-Key": "roster-1"},
    )
    assert single.status_code == 201
    plain = bulk(issuer, badge_class, ROWS)  # without a key: a new job, as before
    assert plain.status_code == 202 and plain.json["id"] != first.json["id"]


def test_a_job_the_queue_refused_lets_its_key_go_so_the_retry_runs(issuer, badge_class, monkeypatch):
    from chalicelib.store import queue

    real = queue.send
    monkeypatch.setattr(queue, "send", lambda messages: (_ for _ in ()).throw(RuntimeError("queue is down")))
    dead = bulk_with_key(issuer, badge_class, "roster-1", {"assertions": ROWS})
    assert_problem(dead, 503)
    monkeypatch.setattr(queue, "send", real)
    retry = bulk_with_key(issuer, badge_class, "roster-1", {"assertions": ROWS})
    assert retry.status_code == 202 and retry.json["id"] != dead.json["job_id"]
    drain_queue()
    assert len(all_results(issuer, retry.json["id"])) == 3
