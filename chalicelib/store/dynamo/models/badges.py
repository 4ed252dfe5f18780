"""PynamoDB models of the badges table: issuers, API keys, badge classes, signing keys,
revocations, and the OB 3.0 keys and status lists."""

from __future__ import annotations

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

from chalicelib.config import get_settings
from chalicelib.store.dynamo.models.base import _index, _Item, _meta

_settings = get_settings()
_BadgesByIssuer = _index("by_issuer", "issuer_id", "listing")


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
