"""What an issuer does to an award after issuing it: revoke, resend, re-certify, erase."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.errors import Changed, Conflict, Invalid, NotFound
from chalicelib.services.hosting import baked
from chalicelib.services.issuing import awards, expiry
from chalicelib.services.shared import ids
from chalicelib.services.shared.fields import Fields
from chalicelib.store.awards import ACTIVE_STATES, AlreadyAwarded, Award

if TYPE_CHECKING:
    from chalicelib.store import Store

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


def revoke(issuer_id: str, assertion_id: str, reason: str, *, store: Store) -> Award:
    """Revoke for good; revoking again changes nothing. Sets the OB 3.0 status bit in the same write."""
    item = awards.find(issuer_id, assertion_id, store=store)
    for attempt in range(2):
        if item.state == "revoked":
            return item
        try:
            return store.awards.revoke(item, reason, at=ids.now())
        except Changed:
            # A credential request may have given the award its status index meanwhile: retry once with it.
            index_before = item.status_index
            item = store.awards.get(item.id) or item
            if attempt or item.state not in ACTIVE_STATES or item.status_index == index_before:
                if item.state == "revoked":
                    return item
                raise
    raise Changed("The award changed while it was being revoked; try again.")


def revoke_many(issuer_id: str, assertion_ids: list[str], reason: str, *, store: Store) -> list[dict]:
    """Revoke each award, as the API shows it; an id that names none of the issuer's awards is answered
    in its place with why, and the others still go on."""
    results = []
    for assertion_id in assertion_ids:
        try:
            results.append(awards.to_api(revoke(issuer_id, assertion_id, reason, store=store)))
        except NotFound as error:
            results.append({"id": assertion_id, "error": error.detail})
    return results


def resend(
    issuer_id: str, assertion_id: str, *, reopen: bool = True, again: bool = True, store: Store
) -> Award:
    """Send the notice again with a fresh claim link; a rejected award becomes pending again (the
    issuer's resend), or is left alone (`reopen=False`: asked through an old claim link)."""
    item = awards.find(issuer_id, assertion_id, store=store)
    if item.state == "revoked":
        raise Conflict("A revoked award cannot be sent again.")
    if item.state == "rejected" and not reopen:
        raise Conflict("Its recipient declined this award.")
    if item.notice in ("queued", "sending"):
        raise Conflict("A notice for this award is already on its way.")
    # The state read above must still hold: a revoke landing meanwhile is final, never undone by a resend.
    try:
        item = store.awards.resend(item, at=ids.now())
    except Changed:
        if not again:
            raise Conflict("The award changed while it was being sent again; try again.") from None
        # changed meanwhile: answer for what it is now
        return resend(issuer_id, assertion_id, reopen=reopen, again=False, store=store)
    [item] = awards.enqueue_notices([item], store=store)
    return item


def read_recertify(body: object, badge: Any, at: datetime) -> datetime:
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


def recertify(issuer_id: str, assertion_id: str, body: object, *, store: Store) -> Award:
    """Give the award a new expiry and re-bake its images."""
    item = awards.find(issuer_id, assertion_id, store=store)
    if item.state == "revoked":
        raise Conflict("A revoked award cannot be re-certified.")
    from chalicelib.services.issuing import badgeclasses

    at = ids.now()
    expires = read_recertify(body, badgeclasses.get(issuer_id, item.badge_id, store=store), at)
    try:
        renewed = store.awards.recertify(item, expires, at=at)
    except AlreadyAwarded as taken:
        raise Conflict(
            "This address has another active award of this badge class; revoke it first.",
            extra={"existing_id": taken.holder_id},
        ) from None
    except Changed:
        raise Conflict("The award changed while it was being re-certified; try again.") from None
    baked.rebake(renewed, item.version, store=store)
    return renewed


def erase(issuer_id: str, assertion_id: str, *, store: Store) -> None:
    """Remove the recipient's personal data; the hosted URL then answers 404."""
    item = awards.find(issuer_id, assertion_id, store=store)
    store.awards.erase(item, at=ids.now())
    baked.forget(item, store=store)
