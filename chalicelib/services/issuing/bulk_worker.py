"""The queue side of a bulk award: write a batch in one transaction, mail it in one call, count it once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError

from chalicelib.config import get_settings
from chalicelib.services.issuing import awards, notices
from chalicelib.services.shared import ids
from chalicelib.store import aws, mail
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
            return _recover(message, pending, at)
        failed += [(item.job_row, DUPLICATE) for item in refused]
        pending = [item for item in pending if item not in refused]
    _deliver(message, pending, [item for item in pending if item.id in tokens], tokens, failed)
    return "done"


def _deliver(
    message: dict, written: list, to_mail: list, tokens: dict, failed: list, known: dict | None = None
) -> None:
    """Mail the batch, then count it. A failure before SES took the mail hands the notices back."""
    try:
        outcomes = _mail(message["mail"], to_mail, tokens)
    except Exception:
        notices.hand_back(to_mail)
        raise
    _finish(message, written, {**(known or {}), **outcomes}, failed)


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
        if aws.refused_for_now(error):  # SES said "not now", so nothing went out: raise to be redelivered
            raise
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


def _recover(message: dict, items: list[AssertionItem], at: datetime) -> str:
    """A batch seen before and not yet counted: finish it. Notices handed back (queued) are mailed
    now; notices still "sending" may or may not have gone out, so they are marked failed (resend to
    be sure); rows not written were refused as duplicates by the earlier delivery."""
    job = JobItem.get(f"JOB#{message['job_id']}", "JOB", consistent_read=True)
    if message["batch"] in (job.finished_batches or set()):
        return "duplicate"
    log.warning("job %s batch %s was interrupted; finishing it", job.id, message["batch"])
    found = {a.id: a for a in AssertionItem.batch_get([(i.pk, i.sk) for i in items], consistent_read=True)}
    written = [found[i.id] for i in items if i.id in found]
    failed = [(i.job_row, DUPLICATE) for i in items if i.id not in found]
    unconfirmed = {a.id: notices.UNCONFIRMED for a in written if a.notice == "sending"}
    queued = [a for a in written if a.notice == "queued"]
    tokens = _reclaim(queued, at)
    _deliver(message, written, queued, tokens, failed, unconfirmed)
    return "recovered"


def _reclaim(items: list[AssertionItem], at: datetime) -> dict[str, str]:
    """queued → sending with new claim links, in one transaction; returns assertion id → token."""
    tokens: dict[str, str] = {}
    if not items:
        return tokens
    expires = at + timedelta(days=get_settings().claim_token_days)
    with transaction() as tx:
        for item in items:
            tokens[item.id], token_hash = notices.new_claim_token(item.id)
            actions = [
                AssertionItem.notice.set("sending"),
                AssertionItem.claim_hash.set(token_hash),
                AssertionItem.claim_expires.set(expires),
            ]
            tx.update(item, actions=actions, condition=AssertionItem.notice == "queued")
    return tokens
