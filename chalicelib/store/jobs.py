"""Bulk award jobs: the job and its progress, the rows that failed (with why), and the batch write that
awards up to 49 rows with their duplicate guards in one transaction. The rows that worked are awards,
listed by job."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.errors import Taken
from chalicelib.store.awards import Award, Remembered


@dataclass(frozen=True)
class Job:
    id: str
    issuer_id: str
    badge_id: str
    total: int
    batches: int
    created_at: datetime
    done: int = 0
    failed: int = 0
    finished_batches: frozenset[int] = frozenset()
    error: str | None = None  # the job could not be queued
    ttl: int | None = None  # epoch seconds: the job and its rows may be dropped after


@dataclass(frozen=True)
class RowError:
    field: str
    detail: str


@dataclass(frozen=True)
class JobRow:
    """A row of a job that failed, with why (rows count from 1)."""

    row: int
    errors: tuple[RowError, ...]


class AlreadyWritten(Taken):
    """An award of the batch exists already: this batch was delivered before (nothing was written)."""

    def __init__(self) -> None:
        super().__init__("This batch was written before.")


class JobRepository(Protocol):
    def create(self, job: Job, *, key: Remembered | None) -> None:
        """Store a new job, with its Idempotency-Key in the same write. KeyUsed if the key is stored."""
        ...

    def get(self, job_id: str, *, consistent: bool = False) -> Job | None: ...

    def fail(self, job_id: str, error: str) -> None:
        """The job could not be queued: say so on it."""
        ...

    def record_failures(self, job: Job, rows: Sequence[JobRow]) -> None:
        """Keep the rows refused before the job started (batched writes; each row is its own item)."""
        ...

    def failures(self, job_id: str, *, limit: int = 1000) -> list[JobRow]:
        """The failed rows, by row number."""
        ...

    def awarded(self, job_id: str, *, limit: int, cursor: dict | None) -> tuple[list[Award], dict | None]:
        """The job's awards by row number, and the next page's cursor (Invalid if not this job's)."""
        ...

    def award_batch(self, awards: Sequence[Award], *, at: datetime) -> list[str]:
        """Write the awards and the guards of those holding one, all or nothing (49 + 49 items at most).
        Returns [] when written, else the ids refused because a live award holds their address (nothing
        written). AlreadyWritten if one of them exists already. Their recipients' counts come with
        finish_batch: a batch's counts and its 49 guards would not fit one 100-item transaction."""
        ...

    def finish_batch(
        self,
        job_id: str,
        batch: int,
        *,
        written: Sequence[Award],
        outcomes: Mapping[str, str | None],
        failures: Sequence[JobRow],
    ) -> None:
        """In one write, counted once per batch (Changed if this batch was counted already): notice outcomes
        (award id → error, None: sent), the rows refused, the recipients' counts of the awards written (as
        award_batch wrote them: new, pending) and the job's progress."""
        ...
