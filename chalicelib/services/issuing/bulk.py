"""Bulk awards: validate every row first, then award the valid ones through the queue, 49 per batch."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from datetime import timedelta

from pynamodb.exceptions import TransactWriteError

from chalicelib.errors import Invalid, Unavailable
from chalicelib.services.issuing import awards, idempotency, notices, unsubscribe
from chalicelib.services.shared import ids
from chalicelib.store import aws, queue
from chalicelib.store.models import (
    BadgeClassItem,
    IdempotencyItem,
    IssuerItem,
    JobItem,
    JobRowItem,
    transaction,
)

MAX_ROWS = 10_000
# 49 awards + 49 duplicate guards fit one 100-item DynamoDB transaction; 49 mails fit one SES bulk call.
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
    award = {k: v for k, v in value.items() if v and k in awards.AWARD_FIELDS}
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


def validate_rows(
    rows: list, badge: BadgeClassItem
) -> tuple[list[tuple[int, awards.AwardRequest]], list[dict]]:
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
        request, row_errors = awards.read_award(row, badge, at)
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


def start(
    issuer: IssuerItem,
    badge: BadgeClassItem,
    rows: list,
    *,
    idempotency_key: str | None = None,
    raw: bytes = b"",
) -> tuple[JobItem, list[dict]]:
    """Store the job and queue its batches; returns (job, row errors). No valid row: nothing written.

    With an Idempotency-Key, a retry of the same body answers the first job instead of starting another."""
    valid, errors = validate_rows(rows, badge)
    if not valid:
        raise Invalid("No row is valid; nothing was awarded.", errors=errors[:1000])
    at = ids.now()
    job_id = ids.new_id()
    operation = f"POST /badgeclasses/{badge.id}/assertions/bulk"
    idem = idempotency.remembered(
        issuer.id, operation, idempotency_key, hashlib.sha256(raw).hexdigest(), job_id, at
    )
    first = _first_job(idem)
    if first is not None:
        return first, errors
    shared = {"mail": notices.shared_data(issuer, badge), "badge": _badge_snapshot(badge)}
    # Opted-out recipients get no notice: one BatchGet of the opt-out digest for the whole job.
    opted_out = unsubscribe.opted_out_among([r.recipient_email for _, r in valid if r.notify])
    rows_out = [_row_message(row, request) for row, request in valid]
    for message in rows_out:
        message["notify"] = message["notify"] and message["recipient_email"] not in opted_out
    batches = _batches(rows_out)
    messages = [
        {"kind": "bulk", "job_id": job_id, "batch": n, "rows": b, **shared} for n, b in enumerate(batches)
    ]
    job = JobItem(
        f"JOB#{job_id}",
        "JOB",
        id=job_id,
        issuer_id=issuer.id,
        badge_id=badge.id,
        total=len(rows),
        failed=len({e["row"] for e in errors}),
        batches=len(messages),
        created_at=at,
        ttl=int((at + timedelta(days=JOB_DAYS)).timestamp()),
    )
    raced = _save(job, idem)
    if raced is not None:
        return raced, errors
    try:
        _record_failures(job, errors)
        queue.send(messages)
    except Exception as error:
        _mark_not_started(job, error, idem)
        raise Unavailable(
            "The award queue is unavailable, so the job could not be queued. Try again shortly.",
            extra={"job_id": job_id},
        ) from error
    return job, errors


def _first_job(idem: IdempotencyItem | None) -> JobItem | None:
    """The job a retried request (same key) started; None when the key is new or absent."""
    if idem is None:
        return None
    try:
        job_id = idempotency.first_result(idem)
    except IdempotencyItem.DoesNotExist:
        return None
    return JobItem.get(f"JOB#{job_id}", "JOB")


def _save(job: JobItem, idem: IdempotencyItem | None) -> JobItem | None:
    """Write the job (and its key, together); the first job instead when a concurrent retry won the key."""
    if idem is None:
        job.save(condition=JobItem.pk.does_not_exist())
        return None
    try:
        with transaction() as tx:
            tx.save(job, condition=JobItem.pk.does_not_exist())
            tx.save(idem, condition=IdempotencyItem.pk.does_not_exist())
    except TransactWriteError as error:
        if not aws.condition_failed(error):
            raise  # a busy store: 503, nothing written
        first = _first_job(idem)
        if first is None:
            raise
        return first
    return None


def _mark_not_started(job: JobItem, error: Exception, idem: IdempotencyItem | None = None) -> None:
    """Show the job failed (best effort: the store may be what failed), so it never looks stuck; its
    Idempotency-Key is let go, so a retry with it starts the job again rather than answer this one."""
    try:
        job.update(actions=[JobItem.error.set(f"could not queue the job: {str(error)[:200]}")])
        if idem is not None:
            idem.delete()
    except Exception:
        log.warning("job %s could not be marked failed", job.id, exc_info=True)


def _row_message(row: int, r: awards.AwardRequest) -> dict:
    return {
        "row": row,
        "id": ids.new_id(),
        "recipient_email": r.recipient_email,
        "recipient_name": r.recipient_name,
        "issued_on": r.issued_on.isoformat(),
        "expires": r.expires.isoformat() if r.expires else None,
        "narrative": r.narrative,
        "evidence": r.evidence,
        "notify": r.notify,
        "allow_duplicate": r.allow_duplicate,
    }


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


def _badge_snapshot(badge: BadgeClassItem) -> dict:
    return {"id": badge.id, "issuer_id": badge.issuer_id, "image_key": badge.image_key}


def _record_failures(job: JobItem, errors: list[dict]) -> None:
    by_row: dict[int, list] = {}
    for error in errors:
        by_row.setdefault(error["row"], []).append({"field": error["field"], "detail": error["detail"]})
    with JobRowItem.batch_write() as batch:
        for row, row_errors in by_row.items():
            batch.save(JobRowItem(job.pk, f"ROW#{row:06d}", row=row, errors=row_errors, ttl=job.ttl))


def job_to_api(job: JobItem) -> dict:
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


def job_report(issuer_id: str, job_id: str, *, limit: int, cursor: dict | None) -> dict:
    """Progress plus per-row results: awarded rows (paged by `cursor`) and failed rows (first page)."""
    from chalicelib.errors import NotFound
    from chalicelib.store.models import AssertionItem

    if not ids.plausible_id(job_id):
        raise NotFound("No job has that id.")
    try:
        job = JobItem.get(f"JOB#{job_id}", "JOB")
    except JobItem.DoesNotExist:
        job = None
    if job is None or job.issuer_id != issuer_id:
        raise NotFound(f"No job {job_id}.")
    awards.check_cursor(cursor, "job_id", job_id, "job_row")
    awarded = AssertionItem.by_job.query(job_id, limit=limit, last_evaluated_key=cursor)
    results = [
        {"row": int(a.job_row), "assertion_id": a.id, "state": awards.status(a), "notice": a.notice}
        for a in awarded
    ]
    failed = JobRowItem.query(job.pk, JobRowItem.sk.startswith("ROW#"), limit=1000)
    return {
        **job_to_api(job),
        "results": results,
        "next_cursor": awards.encode_cursor(awarded.last_evaluated_key),
        "failures": [{"row": int(r.row), "errors": r.errors} for r in failed],
    }
