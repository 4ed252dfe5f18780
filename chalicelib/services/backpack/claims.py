"""Claim links from award notices: is a token live, mark it used, send a fresh one."""

from __future__ import annotations

import contextlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.errors import Conflict, NotFound
from chalicelib.services.issuing import award_changes
from chalicelib.services.shared import ids, ratelimit
from chalicelib.services.shared.ratelimit import TooMany

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.awards import Award

USED = "used:"  # claim_hash prefix once the link has brought its earner to an account


@dataclass
class Claim:
    """What a claim token opens: the award, and `problem` (None, expired, used, revoked)."""

    assertion: Award
    problem: str | None = None

    @property
    def email(self) -> str:
        return self.assertion.recipient_email or ""


MESSAGES = {
    "expired": "This claim link has expired.",
    "used": "This claim link has already been used. Log in to see your badge, or ask for a fresh link.",
    "revoked": "This badge has been revoked by its issuer.",
    "declined": "This badge was declined in its recipient's backpack. Log in to recover it there.",
}


def find(token: str, *, store: Store) -> Claim:
    """The claim a token names; NotFound unless the token is one we sent (live or not)."""
    assertion_id, _, secret = (token or "").partition(".")
    unknown = NotFound("This claim link is not valid. Check that you copied the whole link from your email.")
    if not secret or len(token) > 200 or not ids.plausible_id(assertion_id):
        raise unknown
    item = store.awards.get(assertion_id)
    if item is None or item.state == "erased":
        raise unknown
    digest = ids.sha256_hex(secret)
    stored = item.claim_hash or ""
    used = stored.startswith(USED)
    if not hmac.compare_digest(stored.removeprefix(USED), digest):
        raise unknown
    if item.state == "revoked":
        return Claim(item, "revoked")
    if item.claim_expires and item.claim_expires <= ids.now():
        return Claim(item, "expired")
    return Claim(item, "used" if used else None)


def live(token: str, *, store: Store) -> Claim:
    """The claim, only if the link may still be used (NotFound / Conflict otherwise)."""
    claim = find(token, store=store)
    if claim.problem:
        raise Conflict(MESSAGES[claim.problem])
    return claim


def mark_used(claim: Claim, *, store: Store) -> None:
    """The link has done its job: later visits say so (a resend sets a new hash)."""
    stored = claim.assertion.claim_hash or ""
    if stored and not stored.startswith(USED):
        store.awards.claim(claim.assertion, USED + stored)


def send_fresh_link(token: str, client_ip: str, *, store: Store) -> str:
    """Ask for a new award notice (to the award's own address); returns that address, masked."""
    claim = find(token, store=store)
    if claim.problem == "revoked" or claim.problem is None:
        raise Conflict(MESSAGES.get(claim.problem or "", "This claim link still works; use it."))
    if claim.assertion.state == "rejected":  # a resend would make it pending: only its earner may undo that
        raise Conflict(MESSAGES["declined"])
    allowed = (
        ratelimit.CLIENT_FORMS.hit(client_ip, store=store)
        and ratelimit.allow_mail("claim", claim.assertion.id, store=store)
        and ratelimit.allow_mail_to(
            claim.email, store=store
        )  # asked by anyone holding an old link: capped per address
    )
    if not allowed:
        raise TooMany("A fresh link was sent recently. Check your inbox, or try again later.")
    with contextlib.suppress(Conflict):  # a notice is already on its way
        award_changes.resend(claim.assertion.issuer_id, claim.assertion.id, reopen=False, store=store)
    return mask(claim.email)


def mask(email: str) -> str:
    """a***@example.org: enough for a person to recognise, not enough to harvest."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
