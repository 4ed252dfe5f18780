"""PynamoDB models of the accounts table: accounts, addresses, sessions, codes, rates, slugs,
imports, merges, opt-outs, and the ways in without a password (identities, passkeys) with the
ceremonies and codes that make them."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)

from chalicelib.config import get_settings
from chalicelib.store.dynamo.models.base import _Item, _meta

_settings = get_settings()


class AccountItem(_Item):
    """An earner's account: pk ACCOUNT#id, sk PROFILE. session_epoch ends older sessions when bumped."""

    Meta = _meta(_settings.accounts_table)
    id = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    password_hash = UnicodeAttribute(null=True)  # missing: signs in only with an identity or a passkey
    primary_email = UnicodeAttribute()
    session_epoch = NumberAttribute(default=0)
    public = BooleanAttribute(default=False)  # profile shown at /u/{slug}; private by default
    slug = UnicodeAttribute(null=True)  # held through a SlugItem
    career_goals = UnicodeAttribute(null=True)  # the earner's own text on the dashboard, <= 2,000 chars
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    merged_into = UnicodeAttribute(null=True)  # closed: merged into this account (services/earners/merge.py)
    closed_at = UTCDateTimeAttribute(null=True)
    # Linked identities + passkeys: an unlink or removal needs a password or another way in left.
    ways_in = NumberAttribute(default=0)
    passkeys = NumberAttribute(default=0)  # passkeys alone: an add is refused at the most allowed
    terms_at = UTCDateTimeAttribute(null=True)
    product_mail = BooleanAttribute(default=False)


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


class _CodeItem(_Item):
    """What every emailed 6-digit code keeps: its salted hash, the tries counted, its end (TTL drops it)."""

    code_hash = UnicodeAttribute()
    salt = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    expires_at = NumberAttribute()
    ttl = NumberAttribute()


class ActivationCodeItem(_CodeItem):
    """The 6-digit code of an address's activation: pk EMAIL#addr, sk CODE; dies after 5 wrong tries."""

    Meta = _meta(_settings.accounts_table)
    account_id = UnicodeAttribute()
    token_hash = UnicodeAttribute()


class RateItem(_Item):
    """One rate-limit window counter: pk RATE#scope#key, sk window start (epoch seconds)."""

    Meta = _meta(_settings.accounts_table)
    count = NumberAttribute(default=0)
    ttl = NumberAttribute()


class SlugItem(_Item):
    """Who holds a public profile address /u/{slug}: pk SLUG#slug, sk SLUG (a conditional put)."""

    Meta = _meta(_settings.accounts_table)
    account_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


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


class MergeCodeItem(_CodeItem):
    """A 6-digit code mailed to an address another account wants: pk EMAIL#addr, sk MERGECODE."""

    Meta = _meta(_settings.accounts_table)
    requester_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()


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


class IdentityItem(_Item):
    """Which account an identity at an OpenID provider signs in to: pk IDENTITY#provider#sha256(subject),
    sk IDENTITY (a conditional put links it to one account). The truth of the identity: the account's
    listing item only points here."""

    Meta = _meta(_settings.accounts_table)
    account_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    subject = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    last_used_at = UTCDateTimeAttribute(null=True)


class AccountIdentityItem(_Item):
    """An account's identities, listed by one Query: pk ACCOUNT#id, sk IDENTITY#provider#sha256(subject)
    (moved with the account by a merge)."""

    Meta = _meta(_settings.accounts_table)
    provider = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class PasskeyItem(_Item):
    """A WebAuthn credential, found by its id at sign-in: pk PASSKEY#credential_id, sk PASSKEY. The truth
    of the passkey (its sign count moves here alone); the account's listing item only points here."""

    Meta = _meta(_settings.accounts_table)
    account_id = UnicodeAttribute()
    public_key = UnicodeAttribute()  # the COSE key, base64url
    sign_count = NumberAttribute(default=0)
    name = UnicodeAttribute()
    transports = ListAttribute(of=UnicodeAttribute, default=list)
    aaguid = UnicodeAttribute(default="")
    backed_up = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    last_used_at = UTCDateTimeAttribute(null=True)


class AccountPasskeyItem(_Item):
    """An account's passkeys, listed by one Query: pk ACCOUNT#id, sk PASSKEY#credential_id (moved with
    the account by a merge)."""

    Meta = _meta(_settings.accounts_table)
    created_at = UTCDateTimeAttribute()


class CeremonyItem(_Item):
    """A sign-in spanning requests, found by the SHA-256 of its secret: pk CEREMONY#sha256, sk CEREMONY;
    spent by a conditional delete (one request wins), dropped by TTL after its expiry."""

    Meta = _meta(_settings.accounts_table)
    kind = UnicodeAttribute()
    browser = UnicodeAttribute()
    account_id = UnicodeAttribute(null=True)
    data = JSONAttribute(default=dict)
    expires_at = NumberAttribute()
    ttl = NumberAttribute()


class SignupCodeItem(_CodeItem):
    """The 6-digit code of a sign-up without a claim link: pk EMAIL#addr, sk SIGNUPCODE (one per address,
    mailed with the link token_hash)."""

    Meta = _meta(_settings.accounts_table)
    token_hash = UnicodeAttribute()


class LinkCodeItem(_CodeItem):
    """A 6-digit code mailed to an address an account holds verified, to link an identity that gave the
    same address: pk EMAIL#addr, sk LINKCODE, bound to the asking ceremony."""

    Meta = _meta(_settings.accounts_table)
    ceremony_hash = UnicodeAttribute()
    owner_id = UnicodeAttribute()
