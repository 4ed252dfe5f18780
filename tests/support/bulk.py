"""Bulk awards in-process: post a bulk job, read all its results, every address mailed."""

from __future__ import annotations

from tests.support.inprocess import sent_mail


def bulk(issuer, badge: dict, rows: list[dict]):
    return issuer.api.call(
        "POST", f"/api/v1/badgeclasses/{badge['id']}/assertions/bulk", {"assertions": rows}
    )


def job(issuer, job_id: str, query: str = "") -> dict:
    r = issuer.api.call("GET", f"/api/v1/jobs/{job_id}{query}")
    assert r.status_code == 200, r.body
    return r.json


def all_results(issuer, job_id: str) -> list[dict]:
    """Every awarded row of a job, following next_cursor."""
    results, cursor = [], None
    for _ in range(100):
        page = job(issuer, job_id, "?limit=100" + (f"&cursor={cursor}" if cursor else ""))
        results += page["results"]
        cursor = page["next_cursor"]
        if not cursor:
            return results
    raise AssertionError("next_cursor never ran out")


def destinations() -> list[str]:
    """Every address mailed, across single and bulk SES calls."""
    out = []
    for mail in sent_mail():
        if isinstance(mail.destinations, list):
            out += [a for d in mail.destinations for a in d["Destination"]["ToAddresses"]]
        else:
            out += mail.destinations["ToAddresses"]
    return out
