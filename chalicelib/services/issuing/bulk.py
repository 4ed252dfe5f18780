"""Bulk awards: validate every row first, then award the valid ones through the queue, 49 per batch."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.errors import Invalid, NotFound, Unavailable
from chalicelib.services.issuing import awards, idempotency, notices, unsubscribe
from chalicelib.services.issuing.award_requests import AWARD_FIELDS, AwardRequest, read_award
from chalicelib.services.shared import ids
from chalicelib.store import cursors
from chalicelib.store.awards import KeyUsed, Remembered
from chalicelib.store.jobs import Job, JobRow, RowError

if TYPE_CHECKING:
    from chalicelib.store import Store

MAX_ROWS = 10_000
# 49 awards + 49 duplicate guards fit one 100-item DynamoDB transaction, and 49 notice outcomes + 49
# addresses' counts + the job's progress the next one (store/jobs.py); 49 mails fit one SES bulk call.
BATCH_ROWS = 49
CSV_COLUMNS = (
    "recipient_email",
    "recipient_name",
    "issued_on",
    "expires",
    "narrative",
    "evidence_url",
    "evidence_narrative",
    "notify",
    "allow_duplicate",
)
JOB_DAYS = 30
EXTRA_CELLS = object()  # a CSV row with more cells than the header has columns
MAX_MESSAGE_BYTES = 200_000  # well under SQS's 256 KiB message limit
log = logging.getLogger(__name__)


def rows_from_json(body: object) -> list:
    if not isinstance(body, dict) or set(body) != {"assertions"} or not isinstance(body["assertions"], list):
        raise Invalid(
            'Send {"assertions": [ ... ]}: a list of award objects.',
            errors=[{"field": "assertions", "detail": "must be a list of award objects"}],
        )
    return body["assertions"]


def rows_from_csv(data: bytes | str) -> list[dict]:
    """CSV with a header row (CSV_COLUMNS; recipient_email required) → award objects.

    UTF-8 with or without a BOM, any line endings (LF, CRLF, CR), quoted cells may hold newlines.
    Text that is not UTF-8 or not CSV is refused with the line or row where it goes wrong.
    """
    text = _csv_text(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))  # newline="": the csv module splits lines
    rows: list = []
    header: list[str] | None = None
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        _check_header(header)
        reader.fieldnames = header
        for record in reader:
            rows.append(_award_from_record(record))
            if len(rows) > MAX_ROWS:
                break
    except csv.Error as error:
        raise _unreadable(0 if header is None else len(rows) + 1, error) from None
    return rows


def _csv_text(data: bytes) -> str:
    """The CSV as text: strict UTF-8 (a Latin-1 file would otherwise turn names into "Zo�")."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        detail = f"is not UTF-8 text: line {line} has the byte 0x{data[error.start]:02X}"
        raise Invalid(
            f"The CSV {detail}. Save it as CSV UTF-8 and send it again.",
            errors=[{"field": "body", "detail": detail}],
        ) from None


def _check_header(header: list[str]) -> None:
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if "recipient_email" not in header or unknown:
        detail = (
            f"unknown columns: {', '.join(unknown)}" if unknown else "a recipient_email column is required"
        )
        raise Invalid(
            f"CSV header: {detail}. Columns: {', '.join(CSV_COLUMNS)}.",
            errors=[{"field": "header", "detail": detail}],
        )


def _unreadable(row: int, error: csv.Error) -> Invalid:
    """The csv module's complaint as a 422 naming the row (0: the header)."""
    reason = str(error)
    if "field limit" in reason:  # the only csv.Error a reader without strict=True raises on its own
        reason = f"a cell is longer than {csv.field_size_limit() // 1024} kB (is a quote left open?)"
    if row == 0:
        return Invalid(
            f"The CSV cannot be read at the header: {reason}.", errors=[{"field": "header", "detail": reason}]
        )
    return Invalid(
        f"The CSV cannot be read at row {row}: {reason}.",
        errors=[{"row": row, "field": "", "detail": reason}],
    )


def _award_from_record(record: dict) -> dict | object:
    value = {k: (v or "").strip() for k, v in record.items() if k in CSV_COLUMNS}
    award = {k: v for k, v in value.items() if v and k in AWARD_FIELDS}
    for flag in ("notify", "allow_duplicate"):
        if flag in award:
            text = award[flag].lower()
            award[flag] = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
                text, text
            )
    evidence = {"url": value.get("evidence_url"), "narrative": value.get("evidence_narrative")}
    if any(evidence.values()):
        award["evidence"] = [{k: v for k, v in evidence.items() if v}]
    if None in record:  # more cells than columns
        return EXTRA_CELLS
    return award


def validate_rows(rows: list, badge: Any) -> tuple[list[tuple[int, AwardRequest]], list[dict]]:
    """(valid (row number, request) pairs, errors with row numbers). Rows count from 1."""
    if not rows:
        raise Invalid("There are no rows to award.")
    if len(rows) > MAX_ROWS:
        raise Invalid(f"At most {MAX_ROWS} rows per bulk award.")
    at = ids.now()
    valid, errors, seen = [], [], {}
    for number, row in enumerate(rows, start=1):
        if row is EXTRA_CELLS:
            errors.append(
                {"row": number, "field": "", "detail": "has more cells than the header has columns"}
            )
            continue
        request, row_errors = read_award(row, badge, at)
        errors.extend({"row": number, **e} for e in row_errors)
        if request is None:
            continue
        if not request.allow_duplicate and request.recipient_email in seen:
            errors.append(
                {
                    "row": number,
                    "field": "recipient_email",
                    "detail": f"repeats row {seen[request.recipient_email]}",
                }
            )
            continue
        seen.setdefault(request.recipient_email, number)
        valid.append((number, request))
    return valid, errors


def award_in_bulk(
    issuer_id: str,
    badge_id: str,
    upload: Callable[[], tuple[list, bytes]],
    *,
    idempotency_key: str | None,
    store: Store,
) -> tuple[Job, list[dict]]:
    """The bulk award request: its badge class, then the upload's rows (read only once the class is
    known, so a missing class is 404 before a bad upload is 415 or 422), then the job started."""
    from chalicelib.services.issuing import badgeclasses, issuers

    badge = badgeclasses.get(issuer_id, badge_id, store=store)
    rows, raw = upload()
    issuer = issuers.get_issuer(issuer_id, store=store)
    return start(issuer, badge, rows, idempotency_key=idempotency_key, raw=raw, store=store)


def start(
    issuer: Any,
    badge: Any,
    rows: list,
    *,
    idempotency_key: str | None = None,
    raw: bytes = b"",
    store: Store,
) -> tuple[Job, list[dict]]:
    """Store the job and queue its batches; returns (job, row errors). No valid row: nothing written.

    With an Idempotency-Key, a retry of the same body answers the first job instead of starting another."""
    valid, errors = validate_rows(rows, badge)
    if not valid:
        raise Invalid("No row is valid; nothing was awarded.", errors=errors[:1000])
    at = ids.now()
    job_id = ids.new_id()
    operation = f"POST /badgeclasses/{badge.id}/assertions/bulk"
    key = idempotency.remembered(
        issuer.id, operation, idempotency_key, hashlib.sha256(raw).hexdigest(), job_id, at
    )
    first = _first_job(key, store=store)
    if first is not None:
        return first, errors
    shared = {"mail": notices.shared_data(issuer, badge), "badge": _badge_snapshot(badge)}
    # Opted-out recipients get no notice: one BatchGet of the opt-out digest for the whole job.
    opted_out = unsubscribe.opted_out_among([r.recipient_email for _, r in valid if r.notify], store=store)
    rows_out = [_row_message(row, request, opted_out) for row, request in valid]
    batches = _batches(rows_out)
    messages = [
        {"kind": "bulk", "job_id": job_id, "batch": n, "rows": b, **shared} for n, b in enumerate(batches)
    ]
    job = Job(
        id=job_id,
        issuer_id=issuer.id,
        badge_id=badge.id,
        total=len(rows),
        failed=len({e["row"] for e in errors}),
        batches=len(messages),
        created_at=at,
        ttl=int((at + timedelta(days=JOB_DAYS)).timestamp()),
    )
    try:
        store.jobs.create(job, key=key)
    except KeyUsed as used:  # a concurrent retry won the key: answer its job
        idempotency.check_same_request(used.first, key)
        raced = store.jobs.get(used.first.result_id)
        if raced is None:
            raise
        return raced, errors
    try:
        _record_failures(job, errors, store=store)
        store.queue.send(messages)
    except Exception as error:
        _mark_not_started(job, error, key, store=store)
        raise Unavailable(
            "The award queue is unavailable, so the job could not be queued. Try again shortly.",
            extra={"job_id": job_id},
        ) from error
    return job, errors


def _first_job(key: Remembered | None, *, store: Store) -> Job | None:
    """The job a retried request (same key) started; None when the key is new or absent."""
    if key is None:
        return None
    job_id = idempotency.first_result(key, store=store)
    return store.jobs.get(job_id) if job_id is not None else None


def _mark_not_started(job: Job, error: Exception, key: Remembered | None, *, store: Store) -> None:
    """Show the job failed (best effort: the store may be what failed), so it never looks stuck; its
    Idempotency-Key is let go, so a retry with it starts the job again rather than answer this one."""
    try:
        store.jobs.fail(job.id, f"could not queue the job: {str(error)[:200]}")
        if key is not None:
            store.awards.forget(key)
    except Exception:
        log.warning("job %s could not be marked failed", job.id, exc_info=True)


def _row_message(row: int, request: AwardRequest, opted_out: set[str]) -> dict:
    message = {"row": row, "id": ids.new_id(), **request.to_message()}
    message["notify"] = request.notify and request.recipient_email not in opted_out
    return message


def _batches(rows: list[dict]) -> list[list[dict]]:
    """Rows in batches of at most BATCH_ROWS and MAX_MESSAGE_BYTES (long narratives make smaller batches)."""
    batches: list[list[dict]] = [[]]
    size = 0
    for row in rows:
        row_size = len(json.dumps(row))
        if batches[-1] and (len(batches[-1]) == BATCH_ROWS or size + row_size > MAX_MESSAGE_BYTES):
            batches.append([])
            size = 0
        batches[-1].append(row)
        size += row_size
    return batches


def _badge_snapshot(badge: Any) -> dict:
    return {"id": badge.id, "issuer_id": badge.issuer_id, "image_key": badge.image_key}


def _record_failures(job: Job, errors: list[dict], *, store: Store) -> None:
    by_row: dict[int, list[RowError]] = {}
    for error in errors:
        by_row.setdefault(error["row"], []).append(RowError(error["field"], error["detail"]))
    if by_row:
        store.jobs.record_failures(job, [JobRow(row, tuple(found)) for row, found in by_row.items()])


def job_to_api(job: Job) -> dict:
    finished = job.done + job.failed >= job.total
    return {
        "id": job.id,
        "badge_class_id": job.badge_id,
        "status": "failed" if job.error else "finished" if finished else "running",
        "error": job.error,
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "created_at": job.created_at.isoformat(),
    }


def job_report(issuer_id: str, job_id: str, *, limit: int, cursor: dict | None, store: Store) -> dict:
    """Progress plus per-row results: awarded rows (paged by `cursor`) and failed rows (first page)."""
    if not ids.plausible_id(job_id):
        raise NotFound("No job has that id.")
    job = store.jobs.get(job_id)
    if job is None or job.issuer_id != issuer_id:
        raise NotFound(f"No job {job_id}.")
    awarded, next_key = store.jobs.awarded(job_id, limit=limit, cursor=cursor)
    results = [
        {"row": a.job_row, "assertion_id": a.id, "state": awards.status(a), "notice": a.notice}
        for a in awarded
    ]
    return {
        **job_to_api(job),
        "results": results,
        "next_cursor": cursors.encode(next_key),
        "failures": [
            {"row": r.row, "errors": [{"field": e.field, "detail": e.detail} for e in r.errors]}
            for r in store.jobs.failures(job_id)
        ],
    }
