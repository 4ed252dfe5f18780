"""The PynamoDB models, one module per table; imported only by the DynamoDB repositories."""

from chalicelib.store.dynamo.models.accounts import (
    AccountEmailItem,
    AccountItem,
    ActivationCodeItem,
    EmailItem,
    ImportedBadgeItem,
    MergeCodeItem,
    MergeItem,
    OneTimeTokenItem,
    OptOutDigestItem,
    OptOutItem,
    RateItem,
    SessionItem,
    SlugItem,
)
from chalicelib.store.dynamo.models.assertions import (
    ActiveAwardItem,
    AssertionItem,
    IdempotencyItem,
    JobItem,
    JobRowItem,
    RecipientCountsItem,
)
from chalicelib.store.dynamo.models.badges import (
    ApiKeyItem,
    BadgeClassItem,
    CredentialKeyItem,
    IssuerItem,
    RevocationItem,
    SigningKeyItem,
    StatusCounterItem,
    StatusListItem,
)
from chalicelib.store.dynamo.models.base import forget_transactions, transaction

ALL_MODELS = (
    IssuerItem,
    ApiKeyItem,
    BadgeClassItem,
    SigningKeyItem,
    RevocationItem,
    CredentialKeyItem,
    StatusCounterItem,
    StatusListItem,
    AssertionItem,
    ActiveAwardItem,
    IdempotencyItem,
    JobItem,
    JobRowItem,
    RecipientCountsItem,
    AccountItem,
    EmailItem,
    AccountEmailItem,
    SessionItem,
    OneTimeTokenItem,
    ActivationCodeItem,
    RateItem,
    SlugItem,
    ImportedBadgeItem,
    MergeItem,
    MergeCodeItem,
    OptOutItem,
    OptOutDigestItem,
)

__all__ = [
    "ALL_MODELS",
    "AccountEmailItem",
    "AccountItem",
    "ActivationCodeItem",
    "ActiveAwardItem",
    "ApiKeyItem",
    "AssertionItem",
    "BadgeClassItem",
    "CredentialKeyItem",
    "EmailItem",
    "IdempotencyItem",
    "ImportedBadgeItem",
    "IssuerItem",
    "JobItem",
    "JobRowItem",
    "MergeCodeItem",
    "MergeItem",
    "OneTimeTokenItem",
    "OptOutDigestItem",
    "OptOutItem",
    "RateItem",
    "RecipientCountsItem",
    "RevocationItem",
    "SessionItem",
    "SigningKeyItem",
    "SlugItem",
    "StatusCounterItem",
    "StatusListItem",
    "reset_connections",
    "transaction",
]


def reset_connections() -> None:
    """Drop PynamoDB's cached per-model connections (tests switch endpoints)."""
    for model in ALL_MODELS:
        model._connection = None
    forget_transactions()
