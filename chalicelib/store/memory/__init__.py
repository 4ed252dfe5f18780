"""The in-memory store: the same repositories over dicts of frozen values, for rule tests that need no
AWS. Its only job is to behave like the DynamoDB store, which tests/store checks method by method."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from chalicelib.store.memory.base import Database
from chalicelib.store.memory.outside import MemoryImages, MemoryKeys, MemoryMail, MemoryQueue

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
    from chalicelib.store.outside import OpenIdProviders, Secrets
    from chalicelib.store.passkeys import PasskeyRepository
    from chalicelib.store.rates import RateRepository
    from chalicelib.store.sessions import SessionRepository
    from chalicelib.store.shelves import ShelfRepository


class MemoryStore:
    """A fresh, empty store; `db.faults` makes the next writes fail as a busy DynamoDB would."""

    def __init__(self) -> None:
        self.db = Database()
        self.mail = MemoryMail()
        self.queue = MemoryQueue()
        self.images = MemoryImages()
        self.keys = MemoryKeys()

    @cached_property
    def secrets(self) -> Secrets:
        from chalicelib.store.memory.secrets import MemorySecrets

        return MemorySecrets()

    @cached_property
    def openid(self) -> OpenIdProviders:
        from chalicelib.store.memory.openid import MemoryOpenId  # an identity provider in this process

        return MemoryOpenId()

    @cached_property
    def issuers(self) -> IssuerRepository:
        from chalicelib.store.memory.issuers import Issuers

        return Issuers(self.db)

    @cached_property
    def issuer_keys(self) -> IssuerKeyRepository:
        from chalicelib.store.memory.issuer_keys import IssuerKeys

        return IssuerKeys(self.db)

    @cached_property
    def badge_classes(self) -> BadgeClassRepository:
        from chalicelib.store.memory.badge_classes import BadgeClasses

        return BadgeClasses(self.db)

    @cached_property
    def awards(self) -> AwardRepository:
        from chalicelib.store.memory.awards import Awards

        return Awards(self.db)

    @cached_property
    def jobs(self) -> JobRepository:
        from chalicelib.store.memory.jobs import Jobs

        return Jobs(self.db)

    @cached_property
    def optouts(self) -> OptOutRepository:
        from chalicelib.store.memory.optouts import OptOuts

        return OptOuts(self.db)

    @cached_property
    def accounts(self) -> AccountRepository:
        from chalicelib.store.memory.accounts import Accounts

        return Accounts(self.db)

    @cached_property
    def sessions(self) -> SessionRepository:
        from chalicelib.store.memory.sessions import Sessions

        return Sessions(self.db)

    @cached_property
    def codes(self) -> CodeRepository:
        from chalicelib.store.memory.codes import Codes

        return Codes(self.db)

    @cached_property
    def rates(self) -> RateRepository:
        from chalicelib.store.memory.rates import Rates

        return Rates(self.db)

    @cached_property
    def imports(self) -> ImportRepository:
        from chalicelib.store.memory.imports import Imports

        return Imports(self.db)

    @cached_property
    def shelves(self) -> ShelfRepository:
        from chalicelib.store.memory.shelves import Shelves

        return Shelves(self.db)

    @cached_property
    def identities(self) -> IdentityRepository:
        from chalicelib.store.memory.identities import Identities

        return Identities(self.db)

    @cached_property
    def passkeys(self) -> PasskeyRepository:
        from chalicelib.store.memory.passkeys import Passkeys

        return Passkeys(self.db)

    @cached_property
    def ceremonies(self) -> CeremonyRepository:
        from chalicelib.store.memory.ceremonies import Ceremonies

        return Ceremonies(self.db)
