"""Earner accounts: the profile, the addresses (who holds an address, and each account's list of
them), and the merge of one account into another.

An address belongs to one account at a time: registering or adding it takes it over only from an
unverified hold of another account, never from a verified owner (Taken / Changed otherwise, and Busy
when the store says "not now", never "taken"). A merge closes the old account and then moves its
partition over in steps that a crash can stop anywhere and `move_merge_step` carries on from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.store.identities import Identity


@dataclass(frozen=True)
class Account:
    id: str
    first_name: str
    last_name: str
    password_hash: str | None  # None: the account signs in only with an identity or a passkey; never ""
    primary_email: str
    created_at: datetime
    updated_at: datetime
    session_epoch: int = 0  # moving it on ends every session and reset link of the account
    public: bool = False  # profile shown at /u/{slug}
    slug: str | None = None
    career_goals: str | None = None
    merged_into: str | None = None  # closed: merged into this account
    closed_at: datetime | None = None
    ways_in: int = 0  # linked identities + passkeys (the password, when there is one, is the other way in)
    passkeys: int = 0  # of those, the passkeys (reauth offers one only when there is one)
    terms_at: datetime | None = None  # when the terms were accepted (sign-ups since issue 11)
    product_mail: bool = False  # news about Laurel: asked at sign-up, unchecked by default


@dataclass(frozen=True)
class Email:
    """Who holds an address."""

    email: str
    account_id: str
    created_at: datetime
    verified: bool = False
    verified_at: datetime | None = None
    merged_from: str | None = None  # the closed account it came from by a merge


@dataclass(frozen=True)
class AccountEmail:
    """One address in an account's list."""

    account_id: str
    email: str
    created_at: datetime
    verified: bool = False


@dataclass(frozen=True)
class MergeRecord:
    """Where a merge of `from_id` into `into_id` stands: running, then done."""

    from_id: str
    into_id: str
    state: str
    proof: str  # password | code
    email: str  # the address that was brought over
    created_at: datetime
    moved: tuple[str, ...] = ()
    steps: int = 0
    finished_at: datetime | None = None


class AccountRepository(Protocol):
    def get(self, account_id: str) -> Account | None: ...

    def owner_of(self, email: str) -> Email | None:
        """Who holds this address, if anyone."""
        ...

    def addresses(self, account_id: str, *, consistent: bool = False) -> list[AccountEmail]:
        """The account's addresses (one read, at most 50), by address."""
        ...

    def address(self, account_id: str, email: str) -> AccountEmail | None:
        """One address of the account (read consistently)."""
        ...

    def register(self, account: Account, email: str, *, holder: Email | None) -> None:
        """In one transaction: a new account and its unverified address. `holder` is who held the
        address when read (None: nobody); its unverified hold ends. Taken when the account exists or
        the address is no longer as read (verified meanwhile, or held by someone else)."""
        ...

    def create_verified(
        self, account: Account, email: str, *, holder: Email | None, identity: Identity | None = None
    ) -> None:
        """In one transaction: a new account whose address was proven already (a sign-up code, or an
        identity provider that verified it), the address verified, its listing, and the `identity` linked
        when given (then `account.ways_in` is 1). `holder` is who held the address when read; only an
        unverified hold ends. Taken when the account exists, the address is no longer as read, or the
        identity is linked already."""
        ...

    def add_address(self, account_id: str, email: str, *, holder: Email | None, at: datetime) -> None:
        """Put an unverified address on an open account, as `register` takes it from `holder`;
        Changed when the address or the account changed (closed by a merge) meanwhile."""
        ...

    def verify_address(
        self,
        account_id: str,
        email: str,
        *,
        at: datetime,
        spend: str | None = None,
        password_hash: str | None = None,
    ) -> None:
        """Mark the account's address verified, all or nothing with: spending the activation code and
        the link `spend` (when given), and a new password that ends every session (when given).
        Changed when the code, the link or the address is not as expected."""
        ...

    def set_password(
        self, account_id: str, password_hash: str, *, at: datetime, epoch: int | None = None
    ) -> Account:
        """A new password; the session epoch moves on (returns the account as it is now). With `epoch`:
        only if it is still the account's (Changed otherwise)."""
        ...

    def rehash_password(self, account_id: str, password_hash: str) -> None:
        """The same password hashed anew (stronger parameters); sessions stay."""
        ...

    def make_primary(self, account_id: str, email: str, *, at: datetime) -> None:
        """Mail goes to this verified address of the open account from now on; Changed otherwise."""
        ...

    def remove_address(self, account_id: str, email: str) -> None:
        """The address leaves the account and nobody holds it; Changed when it is the primary, or not
        the account's."""
        ...

    def slug_holder(self, slug: str) -> str | None:
        """The id of the account holding this public profile address, if any."""
        ...

    def set_profile(
        self, account_id: str, *, public: bool, slug: str, old_slug: str | None, at: datetime
    ) -> None:
        """The profile's visibility and its public address: a new slug is held for this account (Taken
        when another holds it) and the old one given up, all or nothing."""
        ...

    def set_career_goals(self, account_id: str, text: str | None, *, at: datetime) -> None:
        """The earner's own goals text (None: cleared)."""
        ...

    def merge_record(self, into_id: str, old_id: str) -> MergeRecord | None:
        """Where the merge of `old_id` into `into_id` stands (read consistently)."""
        ...

    def close_for_merge(self, into_id: str, old_id: str, *, proof: str, email: str) -> None:
        """Start a merge: the record (running), the old account closed (its sessions end), while both
        are open and `email` is verified on the old one; Changed otherwise."""
        ...

    def move_merge_step(self, record: MergeRecord) -> bool:
        """Move the next part of the old account over (addresses first); False when nothing is left.
        Changed when a concurrent change refused the step (nothing moved: plan again)."""
        ...

    def finish_merge(self, record: MergeRecord) -> None:
        """Settings the survivor lacks come from the old profile (with its public address); the
        record is done. Changed when a concurrent change refused it."""
        ...

    def running_merges(self, into_id: str) -> list[MergeRecord]:
        """Merges into this account that are still running (a crash stopped them)."""
        ...
