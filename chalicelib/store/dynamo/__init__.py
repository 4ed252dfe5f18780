"""The DynamoDB store: one PynamoDB-backed repository per aggregate, made on first use, and the real
SES, SQS, S3 and KMS. Key formats, conditions and transactions live in the repository modules here;
translate.py turns botocore's answers into Taken, Changed or Busy."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

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
    from chalicelib.store.passkeys import PasskeyRepository
    from chalicelib.store.rates import RateRepository
    from chalicelib.store.sessions import SessionRepository
    from chalicelib.store.shelves import ShelfRepository


class DynamoStore:
    """What `chalicelib.store.current()` returns outside tests."""

    @cached_property
    def issuers(self) -> IssuerRepository:
        from chalicelib.store.dynamo.issuers import Issuers

        return Issuers()

    @cached_property
    def issuer_keys(self) -> IssuerKeyRepository:
        from chalicelib.store.dynamo.issuer_keys import IssuerKeys

        return IssuerKeys()

    @cached_property
    def badge_classes(self) -> BadgeClassRepository:
        from chalicelib.store.dynamo.badge_classes import BadgeClasses

        return BadgeClasses()

    @cached_property
    def awards(self) -> AwardRepository:
        from chalicelib.store.dynamo.awards import Awards

        return Awards()

    @cached_property
    def jobs(self) -> JobRepository:
        from chalicelib.store.dynamo.jobs import Jobs

        return Jobs()

    @cached_property
    def optouts(self) -> OptOutRepository:
        from chalicelib.store.dynamo.optouts import OptOuts

        return OptOuts()

    @cached_property
    def accounts(self) -> AccountRepository:
        from chalicelib.store.dynamo.accounts import Accounts

        return Accounts()

    @cached_property
    def sessions(self) -> SessionRepository:
        from chalicelib.store.dynamo.sessions import Sessions

        return Sessions()

    @cached_property
    def codes(self) -> CodeRepository:
        from chalicelib.store.dynamo.codes import Codes

        return Codes()

    @cached_property
    def rates(self) -> RateRepository:
        from chalicelib.store.dynamo.rates import Rates

        return Rates()

    @cached_property
    def imports(self) -> ImportRepository:
        from chalicelib.store.dynamo.imports import Imports

        return Imports()

    @cached_property
    def shelves(self) -> ShelfRepository:
        from chalicelib.store.dynamo.shelves import Shelves

        return Shelves()

    @cached_property
    def identities(self) -> IdentityRepository:
        from chalicelib.store.dynamo.identities import Identities

        return Identities()

    @cached_property
    def passkeys(self) -> PasskeyRepository:
        from chalicelib.store.dynamo.passkeys import Passkeys

        return Passkeys()

    @cached_property
    def ceremonies(self) -> CeremonyRepository:
        from chalicelib.store.dynamo.ceremonies import Ceremonies

        return Ceremonies()

    @cached_property
    def secrets(self) -> Any:
        from chalicelib.store import secrets

        return secrets

    @cached_property
    def openid(self) -> Any:
        from chalicelib.store.openid import OpenIdOverHttps

        return OpenIdOverHttps()

    @cached_property
    def mail(self) -> Any:
        from chalicelib.store import mail

        return mail

    @cached_property
    def queue(self) -> Any:
        from chalicelib.store import queue

        return queue

    @cached_property
    def images(self) -> Any:
        from chalicelib.store import bucket

        return bucket

    @cached_property
    def keys(self) -> Any:
        from chalicelib.store import keys

        return keys
