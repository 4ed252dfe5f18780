"""Award notices: the "<Issuer> has issued you a badge" mail, sent once per award via the queue."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.config import get_settings
from chalicelib.errors import Busy
from chalicelib.services.issuing import unsubscribe
from chalicelib.services.shared import ids, urls
from chalicelib.services.shared.fields import one_line
from chalicelib.store.awards import Award

if TYPE_CHECKING:
    from chalicelib.store import Store

log = logging.getLogger(__name__)
UNCONFIRMED = "delivery unconfirmed after an interruption; resend to be sure"


def new_claim_token(assertion_id: str) -> tuple[str, str]:
    """(token for the mail, hash to store): the token names its award and carries a 256-bit secret."""
    secret = ids.new_secret()
    return f"{assertion_id}.{secret}", ids.sha256_hex(secret)


def claim_url(token: str) -> str:
    return urls.claim_url(token)


def shared_data(issuer: Any, badge: Any) -> dict:
    """Template data that is the same for every recipient of a badge class."""
    return {  # the names reach the Subject header: one line even if stored before that was enforced
        "issuer_name": one_line(issuer.name),
        "issuer_url": issuer.url,
        "badge_name": one_line(badge.name),
        "badge_description": badge.description,
        "badge_image": urls.badge_image_url(badge.id, badge.image_key.rsplit(".", 1)[0] + ".png"),
    }


def recipient_data(item: Award, token: str) -> dict:
    """Per-recipient template data. Plain variables only: SES, moto and the outbox all render them alike."""
    expires = item.expires.strftime("%-d %B %Y") if item.expires else None
    return {
        "claim_url": claim_url(token),
        "greeting": f"Hi {item.recipient_name}," if item.recipient_name else "Hi there,",
        "validity": f"This badge is valid until {expires}." if expires else "",
        "unsubscribe_url": unsubscribe.url(item.recipient_email),
    }


def send_notice(assertion_id: str, *, store: Store) -> str:
    """Claim the notice (queued → sending), send it, record the outcome. Never mails twice.

    Raising makes SQS redeliver. Whatever fails before SES takes the mail hands the notice back
    (queued) first, so the redelivery sends it; a delivery that finds it still "sending" (an earlier
    one died mid-way, mail sent or not) marks it failed rather than risk a second mail.
    """
    from chalicelib.services.issuing import badgeclasses, issuers

    token, token_hash = new_claim_token(assertion_id)
    expires = ids.now() + timedelta(days=get_settings().claim_token_days)
    # throttled or unreachable: Busy, still queued, so the redelivery claims it
    item = store.awards.claim_notice(assertion_id, token_hash, expires)
    if item is None:
        return _claimed_before(assertion_id, store=store)
    try:
        if unsubscribe.is_opted_out(item.recipient_email, store=store):  # one GetItem: no notice for them
            store.awards.notice_unsent(item.id, "the recipient unsubscribed from award notices")
            return "opted out"
        issuer = issuers.get_issuer(item.issuer_id, store=store)
        badge = badgeclasses.get(None, item.badge_id, store=store)
        data = shared_data(issuer, badge) | recipient_data(item, token)
    except Exception:
        hand_back([item], store=store)
        raise
    return _send(item, data, store=store)


def _claimed_before(assertion_id: str, *, store: Store) -> str:
    """Sent or revoked meanwhile: nothing to do. Still "sending": an earlier delivery died; say so."""
    current = store.awards.get(assertion_id, consistent=True)
    if current is None or current.notice != "sending":
        return "skipped"
    # the condition lets a delivery still running record "sent" over this
    if not store.awards.notice_unconfirmed(current.id, UNCONFIRMED):
        return "skipped"
    log.warning("notice of %s was interrupted earlier; marked unconfirmed", current.id)
    return "unconfirmed"


def _send(item: Award, data: dict, *, store: Store) -> str:
    try:
        store.mail.send_templated(item.recipient_email, get_settings().award_notice_template, data)
    except Busy:  # SES said "not now", so nothing went out: let SQS try again
        hand_back([item], store=store)
        raise
    except Exception as error:
        log.exception("award notice for %s failed", item.id)
        store.awards.notice_failed([item.id], str(error)[:300])
        return "failed"
    # unconditional: what happened wins over a duplicate delivery's "unconfirmed" meanwhile
    store.awards.notice_sent(item.id)
    return "sent"


def hand_back(items: list[Award], *, store: Store) -> None:
    """sending → queued for notices SES never took, so a redelivery sends them. Best effort: if this
    fails too they stay "sending", and the redelivery marks them unconfirmed instead."""
    if not items:
        return
    try:
        store.awards.hand_back([item.id for item in items])
    except Exception:
        log.warning("could not hand back %d notices", len(items), exc_info=True)
