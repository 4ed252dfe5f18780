"""The queue side of a bulk award: write a batch in one transaction, mail it in one call, count it once."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING

from chalicelib.config import get_settings
from chalicelib.errors import Busy
from chalicelib.services.issuing import notices
from chalicelib.services.issuing.award_requests import AwardRequest, new_award
from chalicelib.services.shared import ids
from chalicelib.store.awards import Award
from chalicelib.store.jobs import AlreadyWritten, JobRow, RowError

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.outside import Mail

log = logging.getLogger(__name__)
DUPLICATE = "already has an active award of this badge class"


def process_batch(message: dict, *, store: Store) -> str:
    """Award one batch of a job; a redelivered batch is recognised and never mailed twice."""
    at = ids.now()
    badge = SimpleNamespace(**message["badge"])
    tokens: dict[str, str] = {}
    pending = [_award(badge, row, message["job_id"], at, tokens) for row in message["rows"]]
    failed: list[JobRow] = []
    while pending:
        try:
            refused = set(store.jobs.award_batch(pending, at=at))
        except AlreadyWritten:
            return _recover(message, pending, at, store=store)
        if not refused:
            break
        failed += [_duplicate(a) for a in pending if a.id in refused]
        pending = [a for a in pending if a.id not in refused]
    _deliver(message, pending, [a for a in pending if a.id in tokens], tokens, failed, store=store)
    return "done"


def _duplicate(award: Award) -> JobRow:
    return JobRow(award.job_row or 0, (RowError("recipient_email", DUPLICATE),))


def _deliver(
    message: dict,
    written: list[Award],  # as the batch wrote them
    to_mail: list[Award],
    tokens: dict,
    failed: list[JobRow],
    known: dict | None = None,
    *,
    store: Store,
) -> None:
    """Mail the batch, then count it. A failure before SES took the mail hands the notices back."""
    try:
        outcomes = _mail(message["mail"], to_mail, tokens, store.mail)
    except Exception:
        notices.hand_back(to_mail, store=store)
        raise
    outcomes = {**(known or {}), **outcomes}
    store.jobs.finish_batch(
        message["job_id"], message["batch"], written=written, outcomes=outcomes, failures=failed
    )


def _award(badge: SimpleNamespace, row: dict, job_id: str, at: datetime, tokens: dict) -> Award:
    """The row's award; its claim token (for the mail only, never stored) goes into `tokens`."""
    request = AwardRequest.from_message(row)
    made = new_award(badge, request, at, award_id=row["id"], job_id=job_id, job_row=row["row"])
    if not request.notify:
        return made
    token, token_hash = notices.new_claim_token(made.id)
    tokens[made.id] = token
    expires = at + timedelta(days=get_settings().claim_token_days)
    return replace(made, notice="sending", claim_hash=token_hash, claim_expires=expires)


def _mail(shared: dict, items: list[Award], tokens: dict, mail: Mail) -> dict:
    """Send the batch's notices in one SES call; returns award id → error (None = sent)."""
    if not items:
        return {}
    destinations = [(item.recipient_email, notices.recipient_data(item, tokens[item.id])) for item in items]
    try:
        errors = mail.send_bulk(get_settings().award_notice_template, shared, destinations)
    except Busy:  # SES said "not now", so nothing went out: raise to be redelivered
        raise
    except Exception as error:
        log.exception("bulk award notices failed")
        errors = [str(error)[:300]] * len(items)
    return {item.id: error for item, error in zip(items, errors, strict=True)}


def _recover(message: dict, items: list[Award], at: datetime, *, store: Store) -> str:
    """A batch seen before and not yet counted: finish it. Notices handed back (queued) are mailed
    now; notices still "sending" may or may not have gone out, so they are marked failed (resend to
    be sure); rows not written were refused as duplicates by the earlier delivery."""
    job = store.jobs.get(message["job_id"], consistent=True)
    if job is None or message["batch"] in job.finished_batches:
        return "duplicate"
    log.warning("job %s batch %s was interrupted; finishing it", job.id, message["batch"])
    found = {a.id: a for a in store.awards.get_many([i.id for i in items], consistent=True)}
    written = [i for i in items if i.id in found]  # as the batch wrote them: what its counts count
    failed = [_duplicate(i) for i in items if i.id not in found]
    unconfirmed = {i.id: notices.UNCONFIRMED for i in written if found[i.id].notice == "sending"}
    queued = [found[i.id] for i in written if found[i.id].notice == "queued"]
    tokens = _reclaim(queued, at, store=store)
    _deliver(message, written, queued, tokens, failed, unconfirmed, store=store)
    return "recovered"


def _reclaim(items: list[Award], at: datetime, *, store: Store) -> dict[str, str]:
    """queued → sending with new claim links, in one transaction; returns award id → token."""
    tokens: dict[str, str] = {}
    if not items:
        return tokens
    claims = []
    for item in items:
        tokens[item.id], token_hash = notices.new_claim_token(item.id)
        claims.append((item.id, token_hash))
    store.awards.claim_notices(claims, at + timedelta(days=get_settings().claim_token_days))
    return tokens
