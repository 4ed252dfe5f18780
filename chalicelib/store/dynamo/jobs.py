"""Bulk jobs in the assertions table: pk JOB#id (sk JOB) with ADDed progress, the failed rows beside it
(sk ROW#000042), the job's awards through the by_job index."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from chalicelib.errors import Changed
from chalicelib.store import cursors
from chalicelib.store.awards import Award, KeyUsed, Remembered
from chalicelib.store.dynamo import counts
from chalicelib.store.dynamo.award_items import (
    FAILED,
    award_of,
    guard_free,
    guard_of,
    item_of,
    key_item,
    key_of,
    reasons,
    remembered,
)
from chalicelib.store.dynamo.models import AssertionItem, IdempotencyItem, JobItem, JobRowItem, transaction
from chalicelib.store.dynamo.translate import translated
from chalicelib.store.jobs import AlreadyWritten, Job, JobRow, RowError


def job_pk(job_id: str) -> str:
    return f"JOB#{job_id}"


def _row_item(job_id: str, row: JobRow, ttl: int | None) -> JobRowItem:
    errors = [{"field": e.field, "detail": e.detail} for e in row.errors]
    return JobRowItem(job_pk(job_id), f"ROW#{row.row:06d}", row=row.row, errors=errors, ttl=ttl)


def _job_of(item: JobItem) -> Job:
    return Job(
        id=item.id,
        issuer_id=item.issuer_id,
        badge_id=item.badge_id,
        total=int(item.total),
        batches=int(item.batches),
        created_at=item.created_at,
        done=int(item.done or 0),
        failed=int(item.failed or 0),
        finished_batches=frozenset(int(b) for b in item.finished_batches or ()),
        error=item.error,
        ttl=None if item.ttl is None else int(item.ttl),
    )


class Jobs:
    def create(self, job: Job, *, key: Remembered | None) -> None:
        item = JobItem(
            job_pk(job.id),
            "JOB",
            id=job.id,
            issuer_id=job.issuer_id,
            badge_id=job.badge_id,
            total=job.total,
            done=job.done,
            failed=job.failed,
            batches=job.batches,
            created_at=job.created_at,
            ttl=job.ttl,
        )
        with translated():
            if key is None:
                item.save(condition=JobItem.pk.does_not_exist())  # one PutItem
                return
            try:
                with transaction() as tx:
                    tx.save(item, condition=JobItem.pk.does_not_exist())
                    tx.save(key_item(key), condition=IdempotencyItem.pk.does_not_exist())
            except Exception as error:
                codes = reasons(error)
                first = remembered(key.issuer_id, key.operation, key.key) if FAILED in codes else None
                if first is not None:
                    raise KeyUsed(first) from None
                raise

    def get(self, job_id: str, *, consistent: bool = False) -> Job | None:
        with translated():
            try:
                return _job_of(JobItem.get(job_pk(job_id), "JOB", consistent_read=consistent))
            except JobItem.DoesNotExist:
                return None

    def fail(self, job_id: str, error: str) -> None:
        with translated():
            JobItem(job_pk(job_id), "JOB").update(
                actions=[JobItem.error.set(error)], condition=JobItem.pk.exists()
            )

    def record_failures(self, job: Job, rows: Sequence[JobRow]) -> None:
        with translated(), JobRowItem.batch_write() as batch:
            for row in rows:
                batch.save(_row_item(job.id, row, job.ttl))

    def failures(self, job_id: str, *, limit: int = 1000) -> list[JobRow]:
        with translated():
            found = JobRowItem.query(job_pk(job_id), JobRowItem.sk.startswith("ROW#"), limit=limit)
            return [
                JobRow(int(r.row), tuple(RowError(e["field"], e["detail"]) for e in r.errors)) for r in found
            ]

    def awarded(self, job_id: str, *, limit: int, cursor: dict | None) -> tuple[list[Award], dict | None]:
        cursors.check(cursor, "job_id", job_id, "job_row")
        with translated():
            found = AssertionItem.by_job.query(job_id, limit=limit, last_evaluated_key=cursor)
            return [award_of(a) for a in found], found.last_evaluated_key

    def award_batch(self, awards: Sequence[Award], *, at: datetime) -> list[str]:
        guarded = [a for a in awards if a.holds_lock]
        with translated():
            try:
                with transaction() as tx:  # awards first, then guards: the refusal reads reasons by place
                    for award in awards:
                        tx.save(item_of(award), condition=AssertionItem.pk.does_not_exist())
                    for award in guarded:
                        tx.save(guard_of(award), condition=guard_free(at))
            except Exception as error:
                codes = reasons(error)
                if FAILED in codes[: len(awards)]:
                    raise AlreadyWritten() from None
                guards = codes[len(awards) : len(awards) + len(guarded)]
                refused = [guarded[i].id for i, code in enumerate(guards) if code == FAILED]
                if not refused:
                    raise
                return refused
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
        job = JobItem(job_pk(job_id), "JOB")
        with translated(lambda: Changed("This batch was counted already.")), transaction() as tx:
            for award_id, error in outcomes.items():
                actions = [AssertionItem.notice.set("failed" if error else "sent")]
                if error:
                    actions.append(AssertionItem.notice_error.set(error))
                tx.update(key_of(award_id), actions=actions)
            for row in failures:
                tx.save(_row_item(job_id, row, None))
            counts.new_awards(tx, written)  # one update per address: at most 49 + 49 + 1 items in all
            tx.update(
                job,
                actions=[
                    JobItem.done.add(len(written)),
                    JobItem.failed.add(len(failures)),
                    JobItem.finished_batches.add({batch}),
                ],
                condition=~JobItem.finished_batches.contains(batch),
            )
