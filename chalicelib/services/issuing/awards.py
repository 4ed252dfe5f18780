"""Awarding a badge to an email address, and reading awards back."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from pynamodb.exceptions import TransactWriteError

from chalicelib.errors import Conflict, Invalid, NotFound
from chalicelib.openbadges import ob2
from chalicelib.services.issuing import expiry, idempotency
from chalicelib.services.shared import ids, urls
from chalicelib.services.shared.fields import Fields
from chalicelib.store import queue
from chalicelib.store.models import (
    ActiveAwardItem,
    AssertionItem,
    BadgeClassItem,
    IdempotencyItem,
    transaction,
)

log = logging.getLogger(__name__)

AWARD_FIELDS = {
    "recipient_email",
    "recipient_name",
    "issued_on",
    "expires",
    "narrative",
    "evidence",
    "notify",
    "allow_duplicate",
}
EVIDENCE_FIELDS = {"url", "narrative"}
ACTIVE_STATES = ("pending", "accepted", "rejected")


@dataclass
class AwardRequest:
    """A validated award: normalised email, resolved dates."""

    recipient_email: str
    recipient_name: str | None
    issued_on: datetime
    expires: datetime | None
    narrative: str | None
    evidence: list[dict] = field(default_factory=list)
    notify: bool = True
    allow_duplicate: bool = False


def read_award(
    body: object, badge: BadgeClassItem, at: datetime, *, where: str = ""
) -> tuple[AwardRequest | None, list[dict]]:
    """Validate one award body against its badge class; returns (request or None, errors)."""
    f = Fields(body, AWARD_FIELDS, where=where)
    email = f.email("recipient_email", required=True)
    name = f.string("recipient_name", max_len=200)
    issued_on = f.timestamp("issued_on") or at
    if issued_on > at:
        f.error("issued_on", "must not be in the future")
    expires = f.timestamp("expires")
    if expires is None and badge.expires_after:
        expires = expiry.add(issued_on, badge.expires_after)
    if expires is not None and expires <= issued_on:
        f.error("expires", "must be after issued_on")
    evidence = []
    for i, item in enumerate(f.objects("evidence", max_items=10)):
        inner = f.nested(item, EVIDENCE_FIELDS, where=f"{where}evidence[{i}].")
        entry = {
            "url": inner.url("url"),
            "narrative": inner.string("narrative", max_len=5000, multiline=True),
        }
        if not (inner.has("url") or inner.has("narrative")):
            inner.error("", "needs a url or a narrative")
        evidence.append({k: v for k, v in entry.items() if v})
    request = AwardRequest(
        recipient_email=email or "",
        recipient_name=name,
        issued_on=issued_on,
        expires=expires,
        narrative=f.string("narrative", max_len=10000, multiline=True),
        evidence=evidence,
        notify=f.boolean("notify", True),
        allow_duplicate=f.boolean("allow_duplicate", False),
    )
    return (None if f.errors else request), f.errors


def new_assertion(badge: BadgeClassItem, request: AwardRequest, at: datetime, **extra) -> AssertionItem:
    """The assertion item for an award (not yet saved)."""
    assertion_id = extra.pop("id", None) or ids.new_id()
    salt = secrets.token_hex(16)
    return AssertionItem(
        f"ASSERTION#{assertion_id}",
        "ASSERTION",
        id=assertion_id,
        issuer_id=badge.issuer_id,
        badge_id=badge.id,
        listing=f"{at.isoformat()}#{assertion_id}",
        recipient_email=request.recipient_email,
        recipient_name=request.recipient_name,
        salt=salt,
        identity=ob2.hashed_identity(request.recipient_email, salt),
        issued_on=request.issued_on,
        expires=request.expires,
        narrative=request.narrative,
        evidence=request.evidence,
        image_key=badge.image_key,
        state="pending",
        notice="queued" if request.notify else "none",
        holds_lock=not request.allow_duplicate,
        created_at=at,
        updated_at=at,
        **extra,
    )


def active_guard(assertion: AssertionItem) -> ActiveAwardItem:
    """The item that keeps a second active award of the same class from the same address."""
    expires_at = int(assertion.expires.timestamp()) if assertion.expires else None
    return ActiveAwardItem(
        guard_pk(assertion.badge_id, assertion.recipient_email),
        "ACTIVE",
        assertion_id=assertion.id,
        expires_at=expires_at,
    )


def guard_pk(badge_id: str, email: str) -> str:
    return f"ACTIVE#{badge_id}#{email}"


def guard_condition(at: datetime):
    return ActiveAwardItem.pk.does_not_exist() | (ActiveAwardItem.expires_at < int(at.timestamp()))


def award(
    issuer_id: str, badge: BadgeClassItem, body: object, *, idempotency_key: str | None
) -> tuple[AssertionItem, bool]:
    """Award one badge; returns (assertion, created). A repeated Idempotency-Key returns the first award
    of this badge class; the same key on another class is another award."""
    at = ids.now()
    request, errors = read_award(body, badge, at)
    if request is None:
        raise Invalid(f"{errors[0]['field'] or 'body'} {errors[0]['detail']}.", errors=errors)
    assertion = new_assertion(badge, request, at)
    operation = f"POST /badgeclasses/{badge.id}/assertions"
    idem = idempotency.remembered(issuer_id, operation, idempotency_key, body, assertion.id, at)
    first = _unscoped_first(issuer_id, badge, idem, idempotency_key, at)
    try:
        if first is None:
            _write(assertion, idem, at)
    except TransactWriteError as error:
        first = _explain_refusal(error, issuer_id, badge, request, idem)
    if first is not None:
        if first.notice == "queued":  # its request may have died before queueing it; a copy is harmless
            enqueue_notices([first])
        return first, False
    if request.notify:
        enqueue_notices([assertion])
    return assertion, True


def _unscoped_first(issuer_id, badge, idem, key, at) -> AssertionItem | None:
    """This class's award under a key stored before keys were scoped; None if there is none."""
    old = idempotency.unscoped(issuer_id, key, at) if idem is not None else None
    if old is None:
        return None
    try:
        first = get(issuer_id, old.result_id)
    except NotFound:
        return None
    if first.badge_id != badge.id:  # another class's award: this request is a new one
        return None
    idempotency.check_same_request(old, idem)
    return first


def _write(assertion: AssertionItem, idem, at: datetime) -> None:
    """The award, its key and its guard, all or nothing (in the order _explain_refusal reads)."""
    with transaction() as tx:
        tx.save(assertion, condition=AssertionItem.pk.does_not_exist())
        if idem is not None:
            tx.save(idem, condition=IdempotencyItem.pk.does_not_exist())
        if assertion.holds_lock:
            tx.save(active_guard(assertion), condition=guard_condition(at))


def _explain_refusal(error, issuer_id, badge, request, idem) -> AssertionItem:
    codes = [getattr(r, "code", None) if r else None for r in error.cancellation_reasons]
    if idem is not None and len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
        return get(issuer_id, idempotency.first_result(idem))
    if not request.allow_duplicate and codes and codes[-1] == "ConditionalCheckFailed":
        holder = ActiveAwardItem.get(guard_pk(badge.id, request.recipient_email), "ACTIVE")
        raise Conflict(
            "This address already has an active award of this badge class; "
            'send "allow_duplicate": true to award it again.',
            extra={"existing_id": holder.assertion_id},
        ) from None
    raise error


def enqueue_notices(assertions: list[AssertionItem]) -> None:
    """Queue award notices; if the queue refuses, mark them failed so a resend can replay them."""
    try:
        queue.send([{"kind": "notice", "assertion_id": a.id} for a in assertions])
    except Exception as error:
        log.exception("could not queue %d notices", len(assertions))
        for a in assertions:
            a.update(
                actions=[AssertionItem.notice.set("failed"), AssertionItem.notice_error.set(str(error)[:300])]
            )


def get(issuer_id: str | None, assertion_id: str) -> AssertionItem:
    """The award; NotFound when missing, erased, or (with issuer_id) another issuer's."""
    if not ids.plausible_id(assertion_id):
        raise NotFound("No assertion has that id.")
    try:
        item = AssertionItem.get(f"ASSERTION#{assertion_id}", "ASSERTION")
    except AssertionItem.DoesNotExist:
        item = None
    if item is None or item.state == "erased" or (issuer_id is not None and item.issuer_id != issuer_id):
        raise NotFound(f"No assertion {assertion_id}.")
    return item


def status(item: AssertionItem, at: datetime | None = None) -> str:
    """pending | accepted | rejected | revoked | expired (derived from `expires`)."""
    if item.state in ACTIVE_STATES and item.expires is not None and item.expires <= (at or ids.now()):
        return "expired"
    return item.state


def list_page(issuer_id: str, *, badge_id=None, email=None, state=None, limit=50, cursor=None):
    """One page of an issuer's awards, newest first, with optional filters; returns (items, next cursor)."""
    condition = AssertionItem.state != "erased"
    if badge_id:
        index, hash_name, key = AssertionItem.by_badge, "badge_id", badge_id
        condition &= AssertionItem.issuer_id == issuer_id
        if email:
            condition &= AssertionItem.recipient_email == email
    elif email:
        index, hash_name, key = AssertionItem.by_recipient, "recipient_email", email
        condition &= AssertionItem.issuer_id == issuer_id
    else:
        index, hash_name, key = AssertionItem.by_issuer, "issuer_id", issuer_id
    if state:
        condition &= _state_condition(state)
    check_cursor(cursor, hash_name, key, "listing")
    result = index.query(
        key, filter_condition=condition, scan_index_forward=False, limit=limit, last_evaluated_key=cursor
    )
    return list(result), result.last_evaluated_key


def _state_condition(state: str):
    now = ids.now()
    if state == "expired":
        return AssertionItem.state.is_in(*ACTIVE_STATES) & (AssertionItem.expires <= now)
    not_expired = AssertionItem.expires.does_not_exist() | (AssertionItem.expires > now)
    if state in ACTIVE_STATES:
        return (AssertionItem.state == state) & not_expired
    return AssertionItem.state == state


def encode_cursor(key: dict | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def decode_cursor(cursor: str | None) -> dict | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise _bad_cursor() from None
    if not isinstance(key, dict):
        raise _bad_cursor()
    return key


def check_cursor(cursor: dict | None, hash_name: str, hash_value: str, range_name: str) -> None:
    """Refuse a cursor that is not a key of this very query (table keys plus the index's keys)."""
    if cursor is None:
        return
    names = {"pk", "sk", hash_name, range_name}
    if set(cursor) != names or cursor[hash_name] != {"S": hash_value}:
        raise _bad_cursor()
    if not all(_key_value(v) for v in cursor.values()):
        raise _bad_cursor()


def _key_value(value: object) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    text = value.get("S", value.get("N"))
    # within DynamoDB's sort key size: a forged ExclusiveStartKey must not make the query fail
    return isinstance(text, str) and ("S" in value or text.isdigit()) and len(text.encode()) <= 1024


def _bad_cursor() -> Invalid:
    return Invalid(
        "cursor is not one this API gave out.", errors=[{"field": "cursor", "detail": "is not valid"}]
    )


def to_api(item: AssertionItem, *, signing: bool = False) -> dict:
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
        "evidence": list(item.evidence or []),
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
