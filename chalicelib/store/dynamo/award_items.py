"""How an award is kept in the assertions table: the item of an Award value and back, its duplicate
guard (pk ACTIVE#badge#email: one live award of a class per address) and its Idempotency-Keys
(pk IDEM#issuer#operation#key). Awards and bulk jobs both write them."""

from __future__ import annotations

from datetime import datetime

from chalicelib.openbadges.evidence import stored_evidence
from chalicelib.store.awards import ACTIVE_STATES, Award, Remembered
from chalicelib.store.counts import placed
from chalicelib.store.dynamo.models import ActiveAwardItem, AssertionItem, IdempotencyItem

GUARD = "ACTIVE"
PAGE = 100


def assertion_pk(award_id: str) -> str:
    return f"ASSERTION#{award_id}"


def key_of(award_id: str) -> AssertionItem:
    return AssertionItem(assertion_pk(award_id), "ASSERTION")


def award_of(item: AssertionItem) -> Award:
    """The stored item as a value."""
    return Award(
        id=item.id,
        issuer_id=item.issuer_id,
        badge_id=item.badge_id,
        listing=item.listing,
        issued_on=item.issued_on,
        image_key=item.image_key,
        state=item.state,
        notice=item.notice,
        created_at=item.created_at,
        updated_at=item.updated_at,
        recipient_email=item.recipient_email,
        recipient_name=item.recipient_name,
        public=bool(item.public),
        salt=item.salt,
        identity=item.identity,
        expires=item.expires,
        narrative=item.narrative,
        evidence=tuple(stored_evidence(item.evidence)),
        revocation_reason=item.revocation_reason,
        notice_error=item.notice_error,
        claim_hash=item.claim_hash,
        claim_expires=item.claim_expires,
        version=int(item.version or 1),
        holds_lock=bool(item.holds_lock),
        job_id=item.job_id,
        job_row=None if item.job_row is None else int(item.job_row),
        status_index=None if item.status_index is None else int(item.status_index),
    )


def item_of(award: Award) -> AssertionItem:
    """The value as the item to store, with the backpack's index keys (store/counts.py)."""
    where = placed(award)
    return AssertionItem(
        assertion_pk(award.id),
        "ASSERTION",
        id=award.id,
        issuer_id=award.issuer_id,
        badge_id=award.badge_id,
        listing=award.listing,
        recipient_email=award.recipient_email,
        recipient_name=award.recipient_name,
        public=award.public,
        salt=award.salt,
        identity=award.identity,
        issued_on=award.issued_on,
        expires=award.expires,
        narrative=award.narrative,
        evidence=[e.stored() for e in award.evidence],
        image_key=award.image_key,
        state=award.state,
        revocation_reason=award.revocation_reason,
        notice=award.notice,
        notice_error=award.notice_error,
        claim_hash=award.claim_hash,
        claim_expires=award.claim_expires,
        version=award.version,
        holds_lock=award.holds_lock,
        job_id=award.job_id,
        job_row=award.job_row,
        created_at=award.created_at,
        updated_at=award.updated_at,
        status_index=award.status_index,
        shelf=where.shelf,
        expiring=where.expiring,
    )


# --- the guard and the keys (bulk jobs use them too) ------------------------------------------------


def guard_pk(badge_id: str, email: str) -> str:
    return f"ACTIVE#{badge_id}#{email}"


def guard_of(award: Award, expires: datetime | None = None) -> ActiveAwardItem:
    """The item that keeps a second live award of the same class from the same address."""
    expires = expires or award.expires
    return ActiveAwardItem(
        guard_pk(award.badge_id, award.recipient_email or ""),
        GUARD,
        assertion_id=award.id,
        expires_at=int(expires.timestamp()) if expires else None,
    )


def guard_free(at: datetime):
    """No guard, or one whose award has expired (an expired award no longer blocks a new one)."""
    return ActiveAwardItem.pk.does_not_exist() | (ActiveAwardItem.expires_at < int(at.timestamp()))


def guard_holder(badge_id: str, email: str) -> str | None:
    try:
        return ActiveAwardItem.get(guard_pk(badge_id, email), GUARD).assertion_id
    except ActiveAwardItem.DoesNotExist:
        return None


def key_pk(issuer_id: str, operation: str | None, key: str) -> str:
    return f"IDEM#{issuer_id}#{operation}#{key}" if operation is not None else f"IDEM#{issuer_id}#{key}"


def key_item(key: Remembered) -> IdempotencyItem:
    return IdempotencyItem(
        key_pk(key.issuer_id, key.operation, key.key),
        "IDEM",
        result_id=key.result_id,
        request_hash=key.request_hash,
        ttl=key.ttl,
    )


def remembered(issuer_id: str, operation: str | None, key: str) -> Remembered | None:
    try:
        item = IdempotencyItem.get(key_pk(issuer_id, operation, key), "IDEM")
    except IdempotencyItem.DoesNotExist:
        return None
    return Remembered(issuer_id, operation, key, item.result_id, item.request_hash, int(item.ttl))


def reasons(error: Exception) -> list[str | None]:
    """The cancellation reason code of each item of a refused transaction, in the order sent."""
    found = getattr(error, "cancellation_reasons", None) or []
    return [getattr(r, "code", None) if r else None for r in found]


FAILED = "ConditionalCheckFailed"


def index_condition(award: Award):
    """The status index is still what revoke read (None included): a credential request giving it an
    index meanwhile cancels the revoke, which then retries with the index."""
    if award.status_index is None:
        return AssertionItem.status_index.does_not_exist()
    return AssertionItem.status_index == award.status_index


def state_condition(state: str, at: datetime):
    if state == "expired":
        return AssertionItem.state.is_in(*ACTIVE_STATES) & (AssertionItem.expires <= at)
    not_expired = AssertionItem.expires.does_not_exist() | (AssertionItem.expires > at)
    if state in ACTIVE_STATES:
        return (AssertionItem.state == state) & not_expired
    return AssertionItem.state == state
