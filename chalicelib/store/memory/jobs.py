"""Bulk jobs in memory. Tables: "jobs" (id → Job), "job_rows" ((job id, row) → JobRow); the awards are
the awards repository's ("awards", "guards")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from chalicelib.errors import Changed
from chalicelib.store import cursors
from chalicelib.store.awards import AlreadyAwarded, Award, KeyUsed, Remembered
from chalicelib.store.jobs import AlreadyWritten, Job, JobRow
from chalicelib.store.memory import counts
from chalicelib.store.memory.awards import take_guard
from chalicelib.store.memory.base import Database


class Jobs:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, job: Job, *, key: Remembered | None) -> None:
        with self.db.transaction():
            jobs = self.db.table("jobs")
            if job.id in jobs:
                raise Changed("The job could not be written.")
            if key is not None:
                keys = self.db.table("keys")
                first = keys.get((key.issuer_id, key.operation, key.key))
                if first is not None:
                    raise KeyUsed(first)
                keys[key.issuer_id, key.operation, key.key] = key
            jobs[job.id] = job

    def get(self, job_id: str, *, consistent: bool = False) -> Job | None:
        return self.db.table("jobs").get(job_id)

    def fail(self, job_id: str, error: str) -> None:
        with self.db.transaction():
            jobs = self.db.table("jobs")
            if job_id not in jobs:
                raise Changed("No such job.")
            jobs[job_id] = replace(jobs[job_id], error=error)

    def record_failures(self, job: Job, rows: Sequence[JobRow]) -> None:
        with self.db.transaction():
            for row in rows:
                self.db.table("job_rows")[job.id, row.row] = row

    def failures(self, job_id: str, *, limit: int = 1000) -> list[JobRow]:
        rows = self.db.table("job_rows")
        return [rows[k] for k in sorted(k for k in rows if k[0] == job_id)][:limit]

    def awarded(self, job_id: str, *, limit: int, cursor: dict | None) -> tuple[list[Award], dict | None]:
        cursors.check(cursor, "job_id", job_id, "job_row")
        found = sorted(
            (a for a in self.db.table("awards").values() if a.job_id == job_id), key=lambda a: a.job_row or 0
        )
        if cursor is not None:
            after = int(cursor["job_row"].get("N", "0") or 0)
            found = [a for a in found if (a.job_row or 0) > after]
        page = found[:limit]
        if len(found) <= limit or not page:
            return page, None
        last = page[-1]
        key = {
            "pk": {"S": last.id},
            "sk": {"S": "award"},
            "job_id": {"S": job_id},
            "job_row": {"N": str(last.job_row)},
        }
        return page, key

    def award_batch(self, awards: Sequence[Award], *, at: datetime) -> list[str]:
        try:
            with self.db.transaction():
                table = self.db.table("awards")
                if any(a.id in table for a in awards):
                    raise AlreadyWritten()
                refused = []
                for award in awards:
                    if award.holds_lock:
                        try:
                            take_guard(self.db, award, award.expires, at)
                        except AlreadyAwarded:
                            refused.append(award.id)
                if refused:
                    raise _Refused(refused)  # undoes the guards taken
                for award in awards:
                    table[award.id] = award
        except _Refused as refusal:
            return refusal.ids
        return []

    def finish_batch(
        self,
        job_id: str,
        batch: int,
        *,
        written: Sequence[Award],
        outcomes: Mapping[str, str | None],
        failures: Sequence[JobRow],
    ) -> None:
        with self.db.transaction():
            jobs = self.db.table("jobs")
            job = jobs.get(job_id)
            if job is None or batch in job.finished_batches:
                raise Changed("This batch was counted already.")
            table = self.db.table("awards")
            for award_id, error in outcomes.items():
                if award_id in table:
                    notice = {"notice": "failed", "notice_error": error} if error else {"notice": "sent"}
                    table[award_id] = replace(table[award_id], **notice)
            for row in failures:
                self.db.table("job_rows")[job_id, row.row] = row
            for award in written:
                counts.joined(self.db, None, award)
            jobs[job_id] = replace(
                job,
                done=job.done + len(written),
                failed=job.failed + len(failures),
                finished_batches=job.finished_batches | {batch},
            )


class _Refused(Exception):
    def __init__(self, ids: list[str]) -> None:
        self.ids = ids
