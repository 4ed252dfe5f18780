"""PynamoDB models of the assertions table: awards, their guards and Idempotency-Keys, bulk jobs and rows."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from chalicelib.config import get_settings
from chalicelib.store.dynamo.models.base import _index, _Item, _meta

_settings = get_settings()
_AssertionsByIssuer = _index("by_issuer", "issuer_id", "listing")
_AssertionsByBadge = _index("by_badge", "badge_id", "listing")
_AssertionsByRecipient = _index("by_recipient", "recipient_email", "listing")
_AssertionsByJob = _index("by_job", "job_id", "job_row", NumberAttribute)
_AssertionsByShelf = _index("by_shelf", "shelf", "listing")
_AssertionsByExpiry = _index("by_expiry", "expiring", "expires")


class AssertionItem(_Item):
    """One award, enough to serve its hosted JSON in one GetItem: pk ASSERTION#id, sk ASSERTION."""

    Meta = _meta(_settings.assertions_table)
    by_issuer = _AssertionsByIssuer()
    by_badge = _AssertionsByBadge()
    by_recipient = _AssertionsByRecipient()
    by_job = _AssertionsByJob()
    by_shelf = _AssertionsByShelf()
    by_expiry = _AssertionsByExpiry()
    id = UnicodeAttribute()
    issuer_id = UnicodeAttribute()
    badge_id = UnicodeAttribute()
    listing = UnicodeAttribute()
    recipient_email = UnicodeAttribute(null=True)
    recipient_name = UnicodeAttribute(null=True)
    public = BooleanAttribute(default=False)  # the earner chose to show this badge (and their name)
    salt = UnicodeAttribute(null=True)
    identity = UnicodeAttribute(null=True)
    issued_on = UTCDateTimeAttribute()
    expires = UTCDateTimeAttribute(null=True)
    narrative = UnicodeAttribute(null=True)
    evidence = JSONAttribute(default=list)  # [{url?, narrative?}]
    image_key = UnicodeAttribute()
    state = UnicodeAttribute()
    revocation_reason = UnicodeAttribute(null=True)
    notice = UnicodeAttribute()
    notice_error = UnicodeAttribute(null=True)
    claim_hash = UnicodeAttribute(null=True)
    claim_expires = UTCDateTimeAttribute(null=True)
    version = NumberAttribute(default=1)
    holds_lock = BooleanAttribute(default=False)
    job_id = UnicodeAttribute(null=True)
    job_row = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    status_index = NumberAttribute(null=True)  # OB 3.0 status list bit, given on the first credential request
    # The backpack's indexes (store/shelves.py), kept by store/dynamo/counts.py with every state change:
    shelf = UnicodeAttribute(null=True)  # "<address>#<state>"; none once erased
    expiring = UnicodeAttribute(null=True)  # "<address>" while pending/accepted/rejected with an expiry


class RecipientCountsItem(_Item):
    """An address's awards by state, ADDed in the transaction of each change: pk COUNTS#addr, sk COUNTS.
    It heads the address's by_expiry partition (`expiring` = addr, `expires` sorts before any date), so
    the one Query that finds the expired awards reads the counts too (store/shelves.py)."""

    Meta = _meta(_settings.assertions_table)
    pending = NumberAttribute(null=True)
    accepted = NumberAttribute(null=True)
    rejected = NumberAttribute(null=True)
    revoked = NumberAttribute(null=True)
    expiring = UnicodeAttribute()
    expires = UnicodeAttribute()


class ActiveAwardItem(_Item):
    """Guards one active award of a badge class per email: pk ACTIVE#badge#email, sk ACTIVE."""

    Meta = _meta(_settings.assertions_table)
    assertion_id = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)  # epoch seconds; an expired award no longer blocks a new one


class IdempotencyItem(_Item):
    """Remembers an Idempotency-Key's first result for a day: pk IDEM#issuer#operation#key, sk IDEM."""

    Meta = _meta(_settings.assertions_table)
    result_id = UnicodeAttribute()
    request_hash = UnicodeAttribute()
    ttl = NumberAttribute()


class JobItem(_Item):
    """A bulk award job and its progress: pk JOB#id, sk JOB."""

    Meta = _meta(_settings.assertions_table)
    id = UnicodeAttribute()
    issuer_id = UnicodeAttribute()
    badge_id = UnicodeAttribute()
    total = NumberAttribute()
    done = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    batches = NumberAttribute()
    finished_batches = NumberSetAttribute(default=set)
    error = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    ttl = NumberAttribute(null=True)


class JobRowItem(_Item):
    """A bulk row that failed, with why: pk JOB#id, sk ROW#000042. Rows that worked are assertions."""

    Meta = _meta(_settings.assertions_table)
    row = NumberAttribute()
    errors = JSONAttribute()
    ttl = NumberAttribute(null=True)
