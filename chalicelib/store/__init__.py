"""Persistence: the only code that talks to AWS, behind typed repositories.

    store/<aggregate>.py   the values (frozen dataclasses) and the repository Protocol of one aggregate:
                           pure, what services import
    store/dynamo/          the DynamoDB implementation: PynamoDB models, key formats, conditions,
                           transactions, cursors, and botocore errors turned into Taken, Changed or Busy
    store/memory/          the in-memory implementation, for fast rule tests; tests/store runs one
                           contract suite against both, so it cannot drift
    store/outside.py       the other parts services use: mail (SES), queue (SQS), images (S3), keys (KMS),
                           secrets (SSM / Secrets Manager) and OpenID providers (HTTPS)

Services receive a `Store` (cosmicpython's repository pattern); routes and workers pass `current()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.store.accounts import AccountRepository
    from chalicelib.store.awards import AwardRepository
    from chalicelib.store.badge_classes import BadgeClassRepository
    from chalicelib.store.ceremonies import CeremonyRepository
    from chalicelib.store.codes import CodeRepository
    from chalicelib.store.identities import IdentityRepository
    from chalicelib.store.imports import ImportRepository
    from chalicelib.store.issuer_keys import IssuerKeyRepository
    from chalicelib.store.issuers import IssuerRepository
    from chalicelib.store.jobs import JobRepository
    from chalicelib.store.optouts import OptOutRepository
    from chalicelib.store.outside import Images, Keys, Mail, OpenIdProviders, Queue, Secrets
    from chalicelib.store.passkeys import PasskeyRepository
    from chalicelib.store.rates import RateRepository
    from chalicelib.store.sessions import SessionRepository
    from chalicelib.store.shelves import ShelfRepository


class Store(Protocol):
    """Everything a use case may keep or send. One attribute per repository or outside part."""

    issuers: IssuerRepository
    issuer_keys: IssuerKeyRepository
    badge_classes: BadgeClassRepository
    awards: AwardRepository
    jobs: JobRepository
    optouts: OptOutRepository
    accounts: AccountRepository
    sessions: SessionRepository
    codes: CodeRepository
    rates: RateRepository
    imports: ImportRepository
    shelves: ShelfRepository
    identities: IdentityRepository
    passkeys: PasskeyRepository
    ceremonies: CeremonyRepository
    mail: Mail
    queue: Queue
    images: Images
    keys: Keys
    secrets: Secrets
    openid: OpenIdProviders


_current: list[Store] = []


def current() -> Store:
    """The store of this process: DynamoDB and the other AWS services, made on first use."""
    if not _current:
        from chalicelib.store.dynamo import DynamoStore  # lazy: cold start is a feature

        _current.append(DynamoStore())
    return _current[0]


def use(store: Store | None) -> None:
    """Make `store` the one `current()` returns (tests); None goes back to AWS on next use."""
    _current[:] = [store] if store is not None else []


def is_busy(error: BaseException) -> bool:
    """Whether an error no repository translated (a raw outside-part call, a crash mid-call) was AWS refusing
    for now or out of reach: web/http.py answers it 503 + Retry-After instead of 500."""
    from chalicelib.store.aws import transient  # lazy: only on the error path

    return transient(error)


def refused_for_now(error: BaseException) -> bool:
    """The store or another AWS part (SES, SQS) said "not now": nothing was done, a retry may pass
    (a Busy whose cause could not be reached is not: the write may have happened)."""
    from chalicelib.errors import Busy
    from chalicelib.store.aws import refused_for_now as aws_refused

    return aws_refused(error) or (isinstance(error, Busy) and error.__cause__ is None)
