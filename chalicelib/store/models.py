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
    UnicodeSetAttribute,
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
    credential_kid = UnicodeAttribute(null=True)  # the current Ed25519 key (OB 3.0), made on first need
    api_keys = NumberAttribute(null=True)  # API keys ever made (listings read them all): counted, capped
    credential_keys = NumberAttribute(null=True)  # Ed25519 keys ever made (all listed publicly): capped


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


class _SealedKeyItem(_Item):
    """A signing key whose private part is sealed with a KMS data key (store/keys.py)."""

    kid = UnicodeAttribute()
    encrypted_key = BinaryAttribute(legacy_encoding=False)
    sealed_private = BinaryAttribute(legacy_encoding=False)
    created_at = UTCDateTimeAttribute()


class SigningKeyItem(_SealedKeyItem):
    """An issuer's RSA key for signed OB 2.0: pk ISSUER#id, sk RSAKEY#kid."""

    Meta = _meta(_settings.badges_table)
    public_pem = UnicodeAttribute()


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
    status_index = NumberAttribute(null=True)  # OB 3.0 status list bit, given on the first credential request


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


# --- Open Badges 3.0 (badges table) ---------------------------------------------------------------


class CredentialKeyItem(_SealedKeyItem):
    """An issuer's Ed25519 key for OB 3.0: pk ISSUER#id, sk EDKEY#kid (the seed sealed); never deleted."""

    Meta = _meta(_settings.badges_table)
    public_multikey = UnicodeAttribute()


class StatusCounterItem(_Item):
    """The next free status list index of an issuer: pk ISSUER#id, sk STATUSCOUNTER (an atomic ADD)."""

    Meta = _meta(_settings.badges_table)
    next_index = NumberAttribute(default=0)


class StatusListItem(_Item):
    """The revoked indexes of one BitstringStatusList of an issuer: pk ISSUER#id, sk STATUSLIST#n."""

    Meta = _meta(_settings.badges_table)
    revoked = NumberSetAttribute(null=True)


ALL_MODELS = (*ALL_MODELS, CredentialKeyItem, StatusCounterItem, StatusListItem)


# --- accounts table (earners) -------------------------------------------------------------------


class AccountItem(_Item):
    """An earner's account: pk ACCOUNT#id, sk PROFILE. session_epoch ends older sessions when bumped."""

    Meta = _meta(_settings.accounts_table)
    id = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    primary_email = UnicodeAttribute()
    session_epoch = NumberAttribute(default=0)
    public = BooleanAttribute(default=False)  # profile shown at /u/{slug}; private by default
    slug = UnicodeAttribute(null=True)  # held through a SlugItem
    career_goals = UnicodeAttribute(null=True)  # the earner's own text on the dashboard, <= 2,000 chars
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    merged_into = UnicodeAttribute(null=True)  # closed: merged into this account (services/merge.py)
    closed_at = UTCDateTimeAttribute(null=True)


class EmailItem(_Item):
    """Who owns an address: pk EMAIL#addr, sk EMAIL (a conditional put gives it to one account)."""

    Meta = _meta(_settings.accounts_table)
    email = UnicodeAttribute()
    account_id = UnicodeAttribute()
    verified = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    verified_at = UTCDateTimeAttribute(null=True)
    merged_from = UnicodeAttribute(null=True)  # the closed account it came from by a merge


class AccountEmailItem(_Item):
    """An account's addresses, listed by one Query: pk ACCOUNT#id, sk EMAIL#addr."""

    Meta = _meta(_settings.accounts_table)
    email = UnicodeAttribute()
    verified = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()


class SessionItem(_Item):
    """A signed-in browser, found by the SHA-256 of its cookie: pk SESSION#sha256, sk SESSION."""

    Meta = _meta(_settings.accounts_table)
    account_id = UnicodeAttribute()
    epoch = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    ttl = NumberAttribute()  # the absolute end (epoch seconds); TTL deletion may lag, so it is checked too
    idle_until = NumberAttribute(null=True)  # the sliding idle end; missing (an older session) = ended
    signed_in_at = NumberAttribute(null=True)  # when the password (or an emailed code) was last given
    keep = BooleanAttribute(default=False)  # "Keep me signed in": longer lifetimes


class OneTimeTokenItem(_Item):
    """A single-use emailed link (activate, reset): pk TOKEN#sha256, sk TOKEN; deleted when used."""

    Meta = _meta(_settings.accounts_table)
    kind = UnicodeAttribute()
    account_id = UnicodeAttribute()
    email = UnicodeAttribute()
    epoch = NumberAttribute(null=True)  # reset links: the account's session_epoch when mailed
    expires_at = NumberAttribute()
    ttl = NumberAttribute()


class ActivationCodeItem(_Item):
    """The 6-digit code of an address's activation: pk EMAIL#addr, sk CODE; dies after 5 wrong tries."""

    Meta = _meta(_settings.accounts_table)
    account_id = UnicodeAttribute()
    code_hash = UnicodeAttribute()
    salt = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    expires_at = NumberAttribute()
    ttl = NumberAttribute()


class RateItem(_Item):
    """One rate-limit window counter: pk RATE#scope#key, sk window start (epoch seconds)."""

    Meta = _meta(_settings.accounts_table)
    count = NumberAttribute(default=0)
    ttl = NumberAttribute()


ALL_MODELS = (
    *ALL_MODELS,
    AccountItem,
    EmailItem,
    AccountEmailItem,
    SessionItem,
    OneTimeTokenItem,
    ActivationCodeItem,
    RateItem,
)


# --- public profiles (accounts table) -----------------------------------------------------------


class SlugItem(_Item):
    """Who holds a public profile address /u/{slug}: pk SLUG#slug, sk SLUG (a conditional put)."""

    Meta = _meta(_settings.accounts_table)
    account_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


ALL_MODELS = (*ALL_MODELS, SlugItem)


# --- imported badges (accounts table) -------------------------------------------------------------


class ImportedBadgeItem(_Item):
    """A badge from elsewhere in an earner's backpack: pk ACCOUNT#id, sk IMPORT#sha256(badge id).

    The original input is `source` (a URL, or JSON/JWS text) or S3 `source_key` (a baked image, or text
    too long for an item); `document` / `document_key` is the badge's JSON (or JWS) as read at import.
    The display fields are what the verifier read; they are shown marked "imported", never trusted.
    """

    Meta = _meta(_settings.accounts_table)
    digest = UnicodeAttribute()
    badge_id = UnicodeAttribute()
    source_kind = UnicodeAttribute()  # url | json | jws | png | svg
    source = UnicodeAttribute(null=True)
    source_key = UnicodeAttribute(null=True)
    document = UnicodeAttribute(null=True)
    document_key = UnicodeAttribute(null=True)
    matched_email = UnicodeAttribute()
    version = UnicodeAttribute(null=True)  # 2.0-hosted | 2.0-signed | 3.0
    name = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    issuer_name = UnicodeAttribute(null=True)
    issuer_id = UnicodeAttribute(null=True)
    image = UnicodeAttribute(null=True)
    issued_on = UnicodeAttribute(null=True)
    expires = UnicodeAttribute(null=True)
    imported_at = UTCDateTimeAttribute()


ALL_MODELS = (*ALL_MODELS, ImportedBadgeItem)


# --- accounts table: addresses, merges, unsubscribes ----------------------------------------------


class MergeItem(_Item):
    """A merge of account `from_id` into `into_id`: pk ACCOUNT#into, sk MERGE#from (running → done)."""

    Meta = _meta(_settings.accounts_table)
    from_id = UnicodeAttribute()
    into_id = UnicodeAttribute()
    state = UnicodeAttribute()  # running | done
    proof = UnicodeAttribute()  # password | code
    email = UnicodeAttribute()  # the address that was brought over
    moved = ListAttribute(of=UnicodeAttribute, default=list)  # addresses moved so far
    steps = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)


class MergeCodeItem(_Item):
    """A 6-digit code mailed to an address another account wants: pk EMAIL#addr, sk MERGECODE."""

    Meta = _meta(_settings.accounts_table)
    requester_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    code_hash = UnicodeAttribute()
    salt = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    expires_at = NumberAttribute()
    ttl = NumberAttribute()


class OptOutItem(_Item):
    """An address that unsubscribed from notification mail (award notices): pk OPTOUT#addr, sk OPTOUT."""

    Meta = _meta(_settings.accounts_table)
    email = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class OptOutDigestItem(_Item):
    """64-bit hashes of opted-out addresses in 16 shards, pk OPTOUT, sk DIGEST#<hex digit>:
    a bulk job checks all its recipients with one BatchGet."""

    Meta = _meta(_settings.accounts_table)
    hashes = UnicodeSetAttribute(null=True)


ALL_MODELS = (*ALL_MODELS, MergeItem, MergeCodeItem, OptOutItem, OptOutDigestItem)
