"""Award notices: the "<Issuer> has issued you a badge" mail, sent once per award via the queue."""

from __future__ import annotations

import logging
from datetime import timedelta

from pynamodb.exceptions import UpdateError

from chalicelib.config import get_settings
from chalicelib.services import hosting, ids, unsubscribe
from chalicelib.store import mail
from chalicelib.store.models import AssertionItem, BadgeClassItem, IssuerItem

log = logging.getLogger(__name__)


def new_claim_token(assertion_id: str) -> tuple[str, str]:
    """(token for the mail, hash to store): the token names its award and carries a 256-bit secret."""
    secret = ids.new_secret()
    return f"{assertion_id}.{secret}", ids.sha256_hex(secret)


def claim_url(token: str) -> str:
    return f"{get_settings().public_base_url}/claim/{token}"


def shared_data(issuer: IssuerItem, badge: BadgeClassItem) -> dict:
    """Template data that is the same for every recipient of a badge class."""
    return {
        "issuer_name": issuer.name,
        "issuer_url": issuer.url,
        "badge_name": badge.name,
        "badge_description": badge.description,
        "badge_image": hosting.badge_image_url(badge.id, badge.image_key.rsplit(".", 1)[0] + ".png"),
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
    """Claim the notice (queued → sending), send it, record the outcome. A second delivery sends nothing."""
    token, token_hash = new_claim_token(assertion_id)
    item = AssertionItem(f"ASSERTION#{assertion_id}", "ASSERTION")
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
    except UpdateError:
        return "skipped"  # already claimed by an earlier delivery, or revoked/erased meanwhile
    if unsubscribe.is_opted_out(item.recipient_email):  # one GetItem: opted-out addresses get no notice
        item.update(
            actions=[
                AssertionItem.notice.set("none"),
                AssertionItem.notice_error.set("the recipient unsubscribed from award notices"),
            ]
        )
        return "opted out"
    try:
        issuer = IssuerItem.get(f"ISSUER#{item.issuer_id}", "PROFILE")
        badge = BadgeClassItem.get(f"BADGE#{item.badge_id}", "BADGE")
        data = shared_data(issuer, badge) | recipient_data(item, token)
        mail.send_templated(item.recipient_email, get_settings().award_notice_template, data)
    except Exception as error:
        log.exception("award notice for %s failed", assertion_id)
        item.update(
            actions=[AssertionItem.notice.set("failed"), AssertionItem.notice_error.set(str(error)[:300])]
        )
        return "failed"
    item.update(actions=[AssertionItem.notice.set("sent"), AssertionItem.notice_error.remove()])
    return "sent"
