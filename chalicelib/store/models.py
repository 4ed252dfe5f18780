"""PynamoDB models for the accounts, badges and assertions tables. No side effects in save()."""

from __future__ import annotations

import os

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.config import get_settings


class _Meta:
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    max_retry_attempts = 3


def _meta(table: str) -> type:
    return type("Meta", (_Meta,), {"table_name": table})


class _Item(Model):
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


def _index(name: str, hash_attr: str, range_attr: str, range_type=UnicodeAttribute) -> type:
    meta = type("Meta", (), {"index_name": name, "projection": AllProjection()})
    attrs = {
        "Meta": meta,
        hash_attr: UnicodeAttribute(hash_key=True),
        range_attr: range_type(range_key=True),
    }
    return type(f"{name}_index", (GlobalSecondaryIndex,), attrs)


_settings = get_settings()
_BadgesByIssuer = _index("by_issuer", "issuer_id", "listing")
_AssertionsByIssuer = _index("by_issuer", "issuer_id", "listing")
_AssertionsByBadge = _index("by_badge", "badge_id", "listing")
_AssertionsByRecipient = _index("by_recipient", "recipient_email", "listing")
_AssertionsByJob = _index("by_job", "job_id", "job_row", NumberAttribute)


# --- badges table -------------------------------------------------------------------------------


class IssuerItem(_Item):
    """An issuer's profile: pk ISSUER#id, sk PROFILE."""

    Meta = _meta(_settings.badges_table)
    id = UnicodeAttribute()
    name = UnicodeAttribute()
    url = UnicodeAttribute()
    email = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    image_key = UnicodeAttribute(null=True)
    signing = BooleanAttribute(default=False)
    signing_kid = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class ApiKeyItem(_Item):
    """An API key, found by the SHA-256 of the key: pk APIKEY#sha256, sk APIKEY."""

    Meta = _meta(_settings.badges_table)
    by_issuer = _BadgesByIssuer()
    issuer_id = UnicodeAttribute()
    listing = UnicodeAttribute()
    key_id = UnicodeAttribute()
    prefix = UnicodeAttribute()
    label = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    revoked_at = UTCDateTimeAttribute(null=True)


class BadgeClassItem(_Item):
    """A badge class: pk BADGE#id, sk BADGE; listed by issuer."""

    Meta = _meta(_settings.badges_table)
    by_issuer = _BadgesByIssuer()
    id = UnicodeAttribute()
    issuer_id = UnicodeAttribute()
    listing = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute()
    image_key = UnicodeAttribute()
    criteria_narrative = UnicodeAttribute(null=True)
    criteria_url = UnicodeAttribute(null=True)
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    alignment = JSONAttribute(default=list)
    expires_after = JSONAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class SigningKeyItem(_Item):
    """An issuer's RSA key for signed OB 2.0: pk ISSUER#id, sk RSAKEY#kid. Private part KMS-enveloped."""

    Meta = _meta(_settings.badges_table)
    kid = UnicodeAttribute()
    public_pem = UnicodeAttribute()
    encrypted_key = BinaryAttribute(legacy_encoding=False)
    sealed_private = BinaryAttribute(legacy_encoding=False)
    created_at = UTCDateTimeAttribute()


class RevocationItem(_Item):
    """One revoked assertion in an issuer's revocation list: pk ISSUER#id, sk REVOKED#assertion."""

    Meta = _meta(_settings.badges_table)
    assertion_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    revoked_at = UTCDateTimeAttribute()


# --- assertions table ---------------------------------------------------------------------------


class AssertionItem(_Item):
    """One award, enough to serve its hosted JSON in one GetItem: pk ASSERTION#id, sk ASSERTION."""

    Meta = _meta(_settings.assertions_table)
    by_issuer = _AssertionsByIssuer()
    by_badge = _AssertionsByBadge()
    by_recipient = _AssertionsByRecipient()
    by_job = _AssertionsByJob()
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


class ActiveAwardItem(_Item):
    """Guards one active award of a badge class per email: pk ACTIVE#badge#email, sk ACTIVE."""

    Meta = _meta(_settings.assertions_table)
    assertion_id = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)  # epoch seconds; an expired award no longer blocks a new one


class IdempotencyItem(_Item):
    """Remembers an Idempotency-Key's first result for a day: pk IDEM#issuer#key, sk IDEM."""

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


ALL_MODELS = (
    IssuerItem,
    ApiKeyItem,
    BadgeClassItem,
    SigningKeyItem,
    RevocationItem,
    AssertionItem,
    ActiveAwardItem,
    IdempotencyItem,
    JobItem,
    JobRowItem,
)


def reset_connections() -> None:
    """Drop PynamoDB's cached per-model connections (tests switch endpoints)."""
    for model in ALL_MODELS:
        model._connection = None
    _transactions.clear()


_transactions: dict = {}


def transaction():
    """A TransactWrite on a cached connection (up to 100 items, all or nothing)."""
    from pynamodb.connection import Connection
    from pynamodb.transactions import TransactWrite

    if "connection" not in _transactions:
        _transactions["connection"] = Connection(region=_Meta.region)
    return TransactWrite(connection=_transactions["connection"])
