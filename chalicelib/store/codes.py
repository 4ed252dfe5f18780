"""One-time codes and links: an address's activation code, a merge code, and single-use emailed links
(activate, reset). Only hashes are kept; what a code proves, how many tries it allows and how long it
lives are rules in services/shared/onetime.py and the use cases."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol


@dataclass(frozen=True)
class OneTimeToken:
    """A single-use emailed link, found by the SHA-256 of its secret."""

    token_hash: str
    kind: str  # activate | reset
    account_id: str
    email: str
    expires_at: int
    epoch: int | None = None  # reset links: the account's session epoch when mailed


@dataclass(frozen=True)
class ActivationCode:
    """The 6-digit code of an address's activation, mailed with the link `token_hash`."""

    email: str
    account_id: str
    code_hash: str
    salt: str
    token_hash: str
    expires_at: int
    attempts: int = 0

    def tried(self) -> ActivationCode:
        return replace(self, attempts=self.attempts + 1)


@dataclass(frozen=True)
class MergeCode:
    """A 6-digit code mailed to the primary address of the account holding `email`, asked by another."""

    email: str
    requester_id: str
    owner_id: str
    code_hash: str
    salt: str
    expires_at: int
    attempts: int = 0

    def tried(self) -> MergeCode:
        return replace(self, attempts=self.attempts + 1)


@dataclass(frozen=True)
class SignupCode:
    """The 6-digit code of a sign-up without a claim link, mailed to `email` with the link `token_hash`
    (a OneTimeToken of kind "signup" and no account)."""

    email: str
    code_hash: str
    salt: str
    token_hash: str
    expires_at: int
    attempts: int = 0

    def tried(self) -> SignupCode:
        return replace(self, attempts=self.attempts + 1)


@dataclass(frozen=True)
class LinkCode:
    """A 6-digit code mailed to an address that an account holds verified, when someone signs in with an
    identity provider that gave the same address: only that address's owner can link the identity. Bound
    to the sign-in ceremony that asked (`ceremony_hash`)."""

    email: str
    ceremony_hash: str
    owner_id: str
    code_hash: str
    salt: str
    expires_at: int
    attempts: int = 0

    def tried(self) -> LinkCode:
        return replace(self, attempts=self.attempts + 1)


class CodeRepository(Protocol):
    def token(self, token_hash: str) -> OneTimeToken | None:
        """The link with this hash, expired or not; None when unknown or used."""
        ...

    def put_token(self, token: OneTimeToken) -> None:
        """Keep a new link (its expiry also drops it from the store later)."""
        ...

    def spend_token(self, token_hash: str) -> None:
        """Use the link once: Changed when it is gone (used by someone else, or replaced)."""
        ...

    def activation_code(self, email: str) -> ActivationCode | None:
        """The address's activation code, expired or not."""
        ...

    def replace_activation(self, code: ActivationCode, token: OneTimeToken, *, previous: str | None) -> None:
        """In one transaction: the link `previous` goes (the code it came with is replaced), the new
        link and code are kept."""
        ...

    def try_activation_code(self, email: str, *, below: int) -> ActivationCode:
        """Count one try at the address's code, only while fewer than `below` were counted, and return
        the code with its new count; Changed when it is used up or gone."""
        ...

    def merge_code(self, email: str) -> MergeCode | None:
        """The merge code mailed for this address (read consistently)."""
        ...

    def put_merge_code(self, code: MergeCode) -> None:
        """Keep a merge code, replacing any earlier one for the address."""
        ...

    def try_merge_code(self, email: str, *, below: int) -> MergeCode:
        """As try_activation_code, for the merge code of this address."""
        ...

    def drop_merge_code(self, email: str) -> None:
        """Forget the merge code of this address (nothing when there is none)."""
        ...

    def signup_code(self, email: str) -> SignupCode | None:
        """The sign-up code mailed to this address, expired or not (read consistently)."""
        ...

    def replace_signup(self, code: SignupCode, token: OneTimeToken, *, previous: str | None) -> None:
        """In one transaction: the link `previous` goes, the new link and code are kept (one code per
        address)."""
        ...

    def try_signup_code(self, email: str, *, below: int) -> SignupCode:
        """As try_activation_code, for the sign-up code of this address."""
        ...

    def drop_signup(self, email: str) -> None:
        """Forget the address's sign-up code and its link (nothing when there is none)."""
        ...

    def link_code(self, email: str) -> LinkCode | None:
        """The link code mailed for this address (read consistently)."""
        ...

    def put_link_code(self, code: LinkCode) -> None:
        """Keep a link code, replacing any earlier one for the address."""
        ...

    def try_link_code(self, email: str, *, below: int) -> LinkCode:
        """As try_activation_code, for the link code of this address."""
        ...

    def drop_link_code(self, email: str) -> None:
        """Forget the link code of this address (nothing when there is none)."""
        ...
