"""Awarding a badge to an email address, and reading awards back."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.errors import Conflict, Invalid, NotFound
from chalicelib.services.issuing import idempotency
from chalicelib.services.issuing.award_requests import (
    AWARD_FIELDS,
    EVIDENCE_FIELDS,
    AwardRequest,
    new_award,
    read_award,
)
from chalicelib.services.shared import ids, urls
from chalicelib.store.awards import ACTIVE_STATES, AlreadyAwarded, Award, AwardFilter, KeyUsed

if TYPE_CHECKING:
    from chalicelib.store import Store

log = logging.getLogger(__name__)
__all__ = ["ACTIVE_STATES", "AWARD_FIELDS", "EVIDENCE_FIELDS", "AwardRequest", "new_award", "read_award"]


def award(
    issuer_id: str, badge: Any, body: object, *, idempotency_key: str | None, store: Store
) -> tuple[Award, bool]:
    """Award one badge; returns (award, created). A repeated Idempotency-Key returns the first award
    of this badge class; the same key on another class is another award."""
    at = ids.now()
    request, errors = read_award(body, badge, at)
    if request is None:
        raise Invalid(f"{errors[0]['field'] or 'body'} {errors[0]['detail']}.", errors=errors)
    made = new_award(badge, request, at)
    operation = f"POST /badgeclasses/{badge.id}/assertions"
    key = idempotency.remembered(issuer_id, operation, idempotency_key, body, made.id, at)
    first = _unscoped_first(issuer_id, badge, key, at, store=store)
    if first is None:
        try:
            store.awards.award_one(made, key=key, at=at)
        except KeyUsed as used:
            idempotency.check_same_request(used.first, key)
            first = find(issuer_id, used.first.result_id, store=store)
        except AlreadyAwarded as taken:
            raise Conflict(
                "This address already has an active award of this badge class; "
                'send "allow_duplicate": true to award it again.',
                extra={"existing_id": taken.holder_id},
            ) from None
    if first is not None:
        if first.notice == "queued":  # its request may have died before queueing it; a copy is harmless
            [first] = enqueue_notices([first], store=store)
        return first, False
    if request.notify:
        [made] = enqueue_notices([made], store=store)
    return made, True


def award_to_class(
    issuer_id: str,
    badge_id: str,
    read_body: Callable[[], object],
    *,
    idempotency_key: str | None,
    store: Store,
) -> tuple[Award, bool]:
    """The award request: its badge class first (a missing one is 404 before a bad body is 400 or
    415), then the body read, then the award."""
    from chalicelib.services.issuing import badgeclasses

    badge = badgeclasses.get(issuer_id, badge_id, store=store)
    return award(issuer_id, badge, read_body(), idempotency_key=idempotency_key, store=store)


def for_issuer(issuer_id: str, assertion_id: str, *, store: Store) -> dict:
    """The award as the API shows it to its issuer (with its signed form's URL if the issuer signs)."""
    from chalicelib.services.issuing import issuers

    issuer = issuers.get_issuer(issuer_id, store=store)
    return to_api(find(issuer_id, assertion_id, store=store), signing=bool(issuer.signing))


def _unscoped_first(issuer_id: str, badge: Any, key, at: datetime, *, store: Store) -> Award | None:
    """This class's award under a key stored before keys were scoped; None if there is none."""
    old = idempotency.unscoped(issuer_id, key.key, at, store=store) if key is not None else None
    if old is None:
        return None
    try:
        first = find(issuer_id, old.result_id, store=store)
    except NotFound:
        return None
    if first.badge_id != badge.id:  # another class's award: this request is a new one
        return None
    idempotency.check_same_request(old, key)
    return first


def enqueue_notices(awards: list[Award], *, store: Store) -> list[Award]:
    """Queue award notices; if the queue refuses, mark them failed so a resend can replay them. Returns
    the awards as they now are."""
    try:
        store.queue.send([{"kind": "notice", "assertion_id": a.id} for a in awards])
    except Exception as error:
        log.exception("could not queue %d notices", len(awards))
        return store.awards.notice_failed([a.id for a in awards], str(error)[:300])
    return awards


def find(issuer_id: str | None, assertion_id: str, *, store: Store) -> Award:
    """The award; NotFound when missing, erased, or (with issuer_id) another issuer's."""
    if not ids.plausible_id(assertion_id):
        raise NotFound("No assertion has that id.")
    found = store.awards.get(assertion_id)
    if found is None or found.state == "erased" or (issuer_id is not None and found.issuer_id != issuer_id):
        raise NotFound(f"No assertion {assertion_id}.")
    return found


def status(item: Any, at: datetime | None = None) -> str:
    """pending | accepted | rejected | revoked | expired (derived from `expires`)."""
    if item.state in ACTIVE_STATES and item.expires is not None and item.expires <= (at or ids.now()):
        return "expired"
    return item.state


def list_page(
    issuer_id: str, *, badge_id=None, email=None, state=None, limit=50, cursor=None, store: Store
) -> tuple[list[Award], dict | None]:
    """One page of an issuer's awards, newest first, with optional filters; returns (awards, next cursor)."""
    where = AwardFilter(issuer_id, badge_id=badge_id or None, email=email or None, state=state or None)
    return store.awards.page(where, at=ids.now(), limit=limit, cursor=cursor)


def to_api(item: Award, *, signing: bool = False) -> dict:
    public_url = urls.assertion_url(item.id)
    result = {
        "id": item.id,
        "public_url": public_url,
        "badge_class_id": item.badge_id,
        "recipient_email": item.recipient_email,
        "recipient_name": item.recipient_name,
        "issued_on": item.issued_on.isoformat(),
        "expires": item.expires.isoformat() if item.expires else None,
        "narrative": item.narrative,
        "evidence": [e.stored() for e in item.evidence],
        "state": status(item),
        "revocation_reason": item.revocation_reason,
        "notice": item.notice,
        "notice_error": item.notice_error,
        "baked_png": urls.assertion_baked_url(item.id, "png"),
        "baked_svg": urls.assertion_baked_url(item.id, "svg") if item.image_key.endswith(".svg") else None,
        "signed": urls.signed_assertion_url(item.id) if signing else None,
        "job_id": item.job_id,
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
    }
    return result
