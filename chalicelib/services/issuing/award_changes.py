"""What an issuer does to an award after issuing it: revoke, resend, re-certify, erase."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.errors import Conflict, Invalid
from chalicelib.services.hosting import baked
from chalicelib.services.issuing import awards, expiry
from chalicelib.services.shared import ids
from chalicelib.services.shared.fields import Fields
from chalicelib.store import aws
from chalicelib.store.models import (
    ActiveAwardItem,
    AssertionItem,
    BadgeClassItem,
    RevocationItem,
    transaction,
)

MAX_BATCH = 100


def read_revocation(body: object) -> tuple[list[str] | None, str]:
    """`{"reason": ...}` or `{"ids": [...], "reason": ...}` → (ids or None, reason)."""
    f = Fields(body, {"reason", "ids"})
    reason = f.string("reason", required=True, max_len=1000, multiline=True)
    found = f.string_list("ids", max_items=MAX_BATCH, max_len=64) if f.has("ids") else None
    if f.has("ids") and not found:
        f.error("ids", "must list at least one assertion id")
    f.check()
    return found, reason or ""


def revoke(issuer_id: str, assertion_id: str, reason: str) -> AssertionItem:
    """Revoke for good; revoking again changes nothing. Sets the OB 3.0 status bit in the same write."""
    from chalicelib.services.hosting import award_storage  # the status list bit (OB 3.0)

    item = awards.get(issuer_id, assertion_id)
    for attempt in range(2):
        if item.state == "revoked":
            return item
        at = ids.now()
        try:
            with transaction() as tx:
                tx.update(
                    item,
                    actions=[
                        AssertionItem.state.set("revoked"),
                        AssertionItem.revocation_reason.set(reason),
                        AssertionItem.claim_hash.remove(),
                        AssertionItem.updated_at.set(at),
                    ],
                    condition=AssertionItem.state.is_in(*awards.ACTIVE_STATES)
                    & award_storage.revoke_condition(item),
                )
                tx.save(
                    RevocationItem(
                        f"ISSUER#{issuer_id}",
                        f"REVOKED#{item.id}",
                        assertion_id=item.id,
                        reason=reason,
                        revoked_at=at,
                    )
                )
                award_storage.revoke_bit(tx, item)
                if item.holds_lock:
                    _release_guard(tx, item)
        except TransactWriteError:
            # A credential request may have given the award its status index meanwhile: retry once with it.
            index_before = item.status_index
            item.refresh()
            if attempt or item.state not in awards.ACTIVE_STATES or item.status_index == index_before:
                if item.state == "revoked":
                    return item
                raise
            continue
        break
    item.refresh()
    return item


def _release_guard(tx, item: AssertionItem) -> None:
    """Drop the duplicate guard if this award still holds it (a newer award may hold it now)."""
    try:
        guard = ActiveAwardItem.get(awards.guard_pk(item.badge_id, item.recipient_email), "ACTIVE")
    except ActiveAwardItem.DoesNotExist:
        return
    if guard.assertion_id == item.id:
        tx.delete(guard, condition=ActiveAwardItem.assertion_id == item.id)


def resend(issuer_id: str, assertion_id: str, *, reopen: bool = True, again: bool = True) -> AssertionItem:
    """Send the notice again with a fresh claim link; a rejected award becomes pending again (the
    issuer's resend), or is left alone (`reopen=False`: asked through an old claim link)."""
    item = awards.get(issuer_id, assertion_id)
    if item.state == "revoked":
        raise Conflict("A revoked award cannot be sent again.")
    if item.state == "rejected" and not reopen:
        raise Conflict("Its recipient declined this award.")
    if item.notice in ("queued", "sending"):
        raise Conflict("A notice for this award is already on its way.")
    actions = [
        AssertionItem.notice.set("queued"),
        AssertionItem.notice_error.remove(),
        AssertionItem.updated_at.set(ids.now()),
    ]
    if item.state == "rejected":
        actions.append(AssertionItem.state.set("pending"))
    # The state read above must still hold: a revoke landing meanwhile is final, never undone by a resend.
    condition = AssertionItem.notice.is_in("none", "sent", "failed") & (AssertionItem.state == item.state)
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as error:
        if not aws.condition_failed(error):
            raise  # a busy store: 503
        if not again:
            raise Conflict("The award changed while it was being sent again; try again.") from None
        # changed meanwhile: answer for what it is now
        return resend(issuer_id, assertion_id, reopen=reopen, again=False)
    awards.enqueue_notices([item])
    return item


def read_recertify(body: object, badge: BadgeClassItem, at: datetime) -> datetime:
    """New expiry: `expires`, or `expires_after`, or the badge class's default rule, counted from now."""
    f = Fields(body if body is not None else {}, {"expires", "expires_after"})
    expires = f.timestamp("expires")
    rule = f.body.get("expires_after") or badge.expires_after
    if expires is None and f.has("expires_after"):
        problem = expiry.check_rule(rule)
        if problem:
            f.error("expires_after", problem)
    f.check()
    if expires is None and rule:
        expires = expiry.add(at, rule)
    if expires is None:
        raise Invalid(
            "Send expires (or expires_after): this badge class has no default expiry.",
            errors=[{"field": "expires", "detail": "is required"}],
        )
    if expires <= at:
        raise Invalid(
            "expires must be in the future.", errors=[{"field": "expires", "detail": "must be in the future"}]
        )
    return expires


def recertify(issuer_id: str, assertion_id: str, body: object) -> AssertionItem:
    """Give the award a new expiry and re-bake its images."""
    item = awards.get(issuer_id, assertion_id)
    if item.state == "revoked":
        raise Conflict("A revoked award cannot be re-certified.")
    from chalicelib.services.issuing import badgeclasses

    at = ids.now()
    expires = read_recertify(body, badgeclasses.get(issuer_id, item.badge_id), at)
    old_version = item.version
    try:
        with transaction() as tx:
            tx.update(
                item,
                actions=[
                    AssertionItem.expires.set(expires),
                    AssertionItem.version.add(1),
                    AssertionItem.updated_at.set(at),
                ],
                condition=AssertionItem.version == old_version,
            )
            if item.holds_lock:
                tx.save(_renewed_guard(item, expires), condition=_guard_free_for(item, at))
    except TransactWriteError as error:
        if not aws.condition_failed(error):
            raise  # a busy store is 503 with Retry-After, not "changed meanwhile"
        raise _recertify_refusal(error, item) from None
    item.refresh()
    baked.rebake(item, old_version)
    return item


def _renewed_guard(item: AssertionItem, expires: datetime) -> ActiveAwardItem:
    guard = awards.active_guard(item)
    guard.expires_at = int(expires.timestamp())
    return guard


def _guard_free_for(item: AssertionItem, at: datetime):
    return awards.guard_condition(at) | (ActiveAwardItem.assertion_id == item.id)


def _recertify_refusal(error: TransactWriteError, item: AssertionItem) -> Conflict:
    codes = [getattr(r, "code", None) if r else None for r in error.cancellation_reasons]
    # PynamoDB sends puts before updates: the guard, when there is one, comes first.
    if item.holds_lock and codes and codes[0] == "ConditionalCheckFailed":
        holder = ActiveAwardItem.get(awards.guard_pk(item.badge_id, item.recipient_email), "ACTIVE")
        return Conflict(
            "This address has another active award of this badge class; revoke it first.",
            extra={"existing_id": holder.assertion_id},
        )
    return Conflict("The award changed while it was being re-certified; try again.")


def erase(issuer_id: str, assertion_id: str) -> None:
    """Remove the recipient's personal data; the hosted URL then answers 404."""
    item = awards.get(issuer_id, assertion_id)
    with transaction() as tx:
        tx.update(
            item,
            actions=[
                AssertionItem.state.set("erased"),
                AssertionItem.recipient_email.remove(),
                AssertionItem.recipient_name.remove(),
                AssertionItem.salt.remove(),
                AssertionItem.identity.remove(),
                AssertionItem.narrative.remove(),
                AssertionItem.evidence.set([]),
                AssertionItem.claim_hash.remove(),
                AssertionItem.updated_at.set(ids.now()),
            ],
        )
        if item.holds_lock and item.state != "revoked":
            _release_guard(tx, item)
    baked.forget(item)
