"""Award notices: the "<Issuer> has issued you a badge" mail, sent once per award via the queue."""

from __future__ import annotations

import logging
from datetime import timedelta

from pynamodb.exceptions import UpdateError

from chalicelib.config import get_settings
from chalicelib.services.issuing import unsubscribe
from chalicelib.services.shared import ids, urls
from chalicelib.services.shared.fields import one_line
from chalicelib.store import aws, mail
from chalicelib.store.models import AssertionItem, BadgeClassItem, IssuerItem, transaction

log = logging.getLogger(__name__)
UNCONFIRMED = "delivery unconfirmed after an interruption; resend to be sure"


def new_claim_token(assertion_id: str) -> tuple[str, str]:
    """(token for the mail, hash to store): the token names its award and carries a 256-bit secret."""
    secret = ids.new_secret()
    return f"{assertion_id}.{secret}", ids.sha256_hex(secret)


def claim_url(token: str) -> str:
    return urls.claim_url(token)


def shared_data(issuer: IssuerItem, badge: BadgeClassItem) -> dict:
    """Template data that is the same for every recipient of a badge class."""
    return {  # the names reach the Subject header: one line even if stored before that was enforced
        "issuer_name": one_line(issuer.name),
        "issuer_url": issuer.url,
        "badge_name": one_line(badge.name),
        "badge_description": badge.description,
        "badge_image": urls.badge_image_url(badge.id, badge.image_key.rsplit(".", 1)[0] + ".png"),
    }


def recipient_data(item: AssertionItem, token: str) -> dict:
    """Per-recipient template data. Plain variables only: SES, moto and the outbox all render them alike."""
    expires = item.expires.strftime("%-d %B %Y") if item.expires else None
    return {
        "claim_url": claim_url(token),
        "greeting": f"Hi {item.recipient_name}," if item.recipient_name else "Hi there,",
        "validity": f"This badge is valid until {expires}." if expires else "",
        "unsubscribe_url": unsubscribe.url(item.recipient_email),
    }


def send_notice(assertion_id: str) -> str:
    """Claim the notice (queued → sending), send it, record the outcome. Never mails twice.

    Raising makes SQS redeliver. Whatever fails before SES takes the mail hands the notice back
    (queued) first, so the redelivery sends it; a delivery that finds it still "sending" (an earlier
    one died mid-way, mail sent or not) marks it failed rather than risk a second mail.
    """
    token, token_hash = new_claim_token(assertion_id)
    item = AssertionItem(f"ASSERTION#{assertion_id}", "ASSERTION")
    if not _claim(item, token_hash):
        return _claimed_before(item)
    try:
        if unsubscribe.is_opted_out(item.recipient_email):  # one GetItem: opted-out addresses get no notice
            item.update(
                actions=[
                    AssertionItem.notice.set("none"),
                    AssertionItem.notice_error.set("the recipient unsubscribed from award notices"),
                ]
            )
            return "opted out"
        issuer = IssuerItem.get(f"ISSUER#{item.issuer_id}", "PROFILE")
        badge = BadgeClassItem.get(f"BADGE#{item.badge_id}", "BADGE")
        data = shared_data(issuer, badge) | recipient_data(item, token)
    except Exception:
        hand_back([item])
        raise
    return _send(item, data)


def _claim(item: AssertionItem, token_hash: str) -> bool:
    """queued → sending with a new claim link; False when the notice is not (or no longer) queued."""
    expires = ids.now() + timedelta(days=get_settings().claim_token_days)
    try:
        item.update(
            actions=[
                AssertionItem.notice.set("sending"),
                AssertionItem.claim_hash.set(token_hash),
                AssertionItem.claim_expires.set(expires),
            ],
            condition=(AssertionItem.notice == "queued")
            & AssertionItem.state.is_in("pending", "accepted", "rejected"),
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise  # throttled or unreachable: still queued, so the redelivery claims it
        return False
    return True


def _claimed_before(item: AssertionItem) -> str:
    """Sent or revoked meanwhile: nothing to do. Still "sending": an earlier delivery died; say so."""
    try:
        current = AssertionItem.get(item.pk, item.sk, consistent_read=True)
    except AssertionItem.DoesNotExist:
        return "skipped"
    if current.notice != "sending":
        return "skipped"
    try:  # the condition lets a delivery still running record "sent" over this
        current.update(
            actions=[AssertionItem.notice.set("failed"), AssertionItem.notice_error.set(UNCONFIRMED)],
            condition=AssertionItem.notice == "sending",
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return "skipped"
    log.warning("notice of %s was interrupted earlier; marked unconfirmed", current.id)
    return "unconfirmed"


def _send(item: AssertionItem, data: dict) -> str:
    try:
        mail.send_templated(item.recipient_email, get_settings().award_notice_template, data)
    except Exception as error:
        if aws.refused_for_now(error):  # SES said "not now", so nothing went out: let SQS try again
            hand_back([item])
            raise
        log.exception("award notice for %s failed", item.id)
        item.update(
            actions=[AssertionItem.notice.set("failed"), AssertionItem.notice_error.set(str(error)[:300])]
        )
        return "failed"
    # unconditional: what happened wins over a duplicate delivery's "unconfirmed" meanwhile
    item.update(actions=[AssertionItem.notice.set("sent"), AssertionItem.notice_error.remove()])
    return "sent"


def hand_back(items: list[AssertionItem]) -> None:
    """sending → queued for notices SES never took, so a redelivery sends them. Best effort: if this
    fails too they stay "sending", and the redelivery marks them unconfirmed instead."""
    if not items:
        return
    try:
        with transaction() as tx:
            for item in items:
                tx.update(
                    item,
                    actions=[AssertionItem.notice.set("queued")],
                    condition=AssertionItem.notice == "sending",
                )
    except Exception:
        log.warning("could not hand back %d notices", len(items), exc_info=True)
