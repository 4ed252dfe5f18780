"""The queue side of a bulk award: write a batch in one transaction, mail it in one call, count it once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError

from chalicelib.config import get_settings
from chalicelib.services import awards, ids, notices
from chalicelib.store import mail
from chalicelib.store.models import AssertionItem, BadgeClassItem, JobItem, JobRowItem, transaction

log = logging.getLogger(__name__)
DUPLICATE = "already has an active award of this badge class"


def process_batch(message: dict) -> str:
    """Award one batch of a job; a redelivered batch is recognised and never mailed twice."""
    at = ids.now()
    badge = BadgeClassItem(f"BADGE#{message['badge']['id']}", "BADGE", **message["badge"])
    tokens: dict[str, str] = {}
    pending = [_assertion(badge, row, message["job_id"], at, tokens) for row in message["rows"]]
    failed: list[tuple[int, str]] = []
    while pending:
        refused = _write(pending, at)
        if refused is None:
            break
        if refused == "redelivered":
            return _recover(message, pending)
        failed += [(item.job_row, DUPLICATE) for item in refused]
        pending = [item for item in pending if item not in refused]
    outcomes = _mail(message["mail"], [item for item in pending if item.id in tokens], tokens)
    _finish(message, pending, outcomes, failed)
    return "done"


def _assertion(badge: BadgeClassItem, row: dict, job_id: str, at: datetime, tokens: dict) -> AssertionItem:
    """The row's assertion; its claim token (for the mail only, never stored) goes into `tokens`."""
    request = awards.AwardRequest(
        recipient_email=row["recipient_email"],
        recipient_name=row["recipient_name"],
        issued_on=datetime.fromisoformat(row["issued_on"]),
        expires=datetime.fromisoformat(row["expires"]) if row["expires"] else None,
        narrative=row["narrative"],
        evidence=row["evidence"],
        notify=row["notify"],
        allow_duplicate=row["allow_duplicate"],
    )
    item = awards.new_assertion(badge, request, at, id=row["id"], job_id=job_id, job_row=row["row"])
    if request.notify:
        token, token_hash = notices.new_claim_token(item.id)
        item.notice = "sending"
        item.claim_hash = token_hash
        item.claim_expires = at + timedelta(days=get_settings().claim_token_days)
        tokens[item.id] = token
    return item


def _write(items: list[AssertionItem], at: datetime):
    """One transaction for the batch: None when written, "redelivered", or the items refused as duplicates."""
    guarded = [item for item in items if item.holds_lock]
    try:
        with transaction() as tx:
            for item in items:
                tx.save(item, condition=AssertionItem.pk.does_not_exist())
            for item in guarded:
                tx.save(awards.active_guard(item), condition=awards.guard_condition(at))
    except TransactWriteError as error:
        codes = [getattr(r, "code", None) if r else None for r in error.cancellation_reasons]
        if not codes:
            raise
        if any(code == "ConditionalCheckFailed" for code in codes[: len(items)]):
            return "redelivered"
        refused = [
            guarded[i] for i, code in enumerate(codes[len(items) :]) if code == "ConditionalCheckFailed"
        ]
        if not refused:
            raise
        return refused
    return None


def _mail(shared: dict, items: list[AssertionItem], tokens: dict) -> dict:
    """Send the batch's notices in one SES call; returns assertion id → error (None = sent)."""
    if not items:
        return {}
    destinations = [(item.recipient_email, notices.recipient_data(item, tokens[item.id])) for item in items]
    try:
        errors = mail.send_bulk(get_settings().award_notice_template, shared, destinations)
    except Exception as error:
        log.exception("bulk award notices failed")
        errors = [str(error)[:300]] * len(items)
    return {item.id: error for item, error in zip(items, errors, strict=True)}


def _finish(
    message: dict, written: list[AssertionItem], outcomes: dict, failed: list[tuple[int, str]]
) -> None:
    """Record notice outcomes and job progress in one transaction, counted once per batch."""
    job = JobItem(f"JOB#{message['job_id']}", "JOB")
    with transaction() as tx:
        for item in written:
            if item.id in outcomes:
                error = outcomes[item.id]
                actions = [AssertionItem.notice.set("failed" if error else "sent")]
                if error:
                    actions.append(AssertionItem.notice_error.set(error))
                tx.update(item, actions=actions)
        for row, detail in failed:
            tx.save(
                JobRowItem(
                    job.pk, f"ROW#{row:06d}", row=row, errors=[{"field": "recipient_email", "detail": detail}]
                )
            )
        tx.update(
            job,
            actions=[
                JobItem.done.add(len(written)),
                JobItem.failed.add(len(failed)),
                JobItem.finished_batches.add({message["batch"]}),
            ],
            condition=~JobItem.finished_batches.contains(message["batch"]),
        )


def _recover(message: dict, items: list[AssertionItem]) -> str:
    """A batch seen before: if it was finished, nothing to do; else its mails' fate is unknown, so say so."""
    job = JobItem.get(f"JOB#{message['job_id']}", "JOB")
    if message["batch"] in (job.finished_batches or set()):
        return "duplicate"
    log.warning("job %s batch %s was interrupted; marking its notices unconfirmed", job.id, message["batch"])
    existing = {a.id: a for a in AssertionItem.batch_get([(i.pk, i.sk) for i in items])}
    for item in existing.values():
        if item.notice == "sending":
            item.update(
                actions=[
                    AssertionItem.notice.set("failed"),
                    AssertionItem.notice_error.set(
                        "delivery unconfirmed after an interruption; resend to be sure"
                    ),
                ],
                condition=AssertionItem.notice == "sending",
            )
    job.update(
        actions=[JobItem.done.add(len(existing)), JobItem.finished_batches.add({message["batch"]})],
        condition=~JobItem.finished_batches.contains(message["batch"]),
    )
    return "recovered"
