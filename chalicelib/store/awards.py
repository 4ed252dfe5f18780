"""Awards: one award of a badge class to an email address, its duplicate guard, its notice, and the
Idempotency-Keys that make a retried award request answer its first result.

Every write to an award is one named method here, each one conditioned on what the caller read, so a
change landing meanwhile is refused (Changed) instead of overwritten; the earner-side moves (accept,
reject, recover, claim, public) are here too, so per-recipient counts can join the same transactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.errors import Taken
from chalicelib.openbadges.evidence import Evidence

ACTIVE_STATES = ("pending", "accepted", "rejected")


@dataclass(frozen=True)
class Award:
    """One award (the names of the stored item, so documents and templates read it unchanged)."""

    id: str
    issuer_id: str
    badge_id: str
    listing: str  # "<created at>#<id>": newest first in every list
    issued_on: datetime
    image_key: str
    state: str  # pending | accepted | rejected | revoked | erased
    notice: str  # none | queued | sending | sent | failed
    created_at: datetime
    updated_at: datetime
    recipient_email: str | None = None
    recipient_name: str | None = None
    public: bool = False
    salt: str | None = None
    identity: str | None = None
    expires: datetime | None = None
    narrative: str | None = None
    evidence: tuple[Evidence, ...] = ()
    revocation_reason: str | None = None
    notice_error: str | None = None
    claim_hash: str | None = None
    claim_expires: datetime | None = None
    version: int = 1
    holds_lock: bool = False  # it holds the one-active-award-per-address guard of its badge class
    job_id: str | None = None
    job_row: int | None = None
    status_index: int | None = None  # OB 3.0 status list bit, given on the first credential request

    def status(self, at: datetime) -> str:
        """pending | accepted | rejected | revoked | erased, or expired (derived from `expires`)."""
        if self.state in ACTIVE_STATES and self.expires is not None and self.expires <= at:
            return "expired"
        return self.state

    def guard_expires_at(self) -> int | None:
        """When this award stops blocking another one to the same address (epoch seconds)."""
        return int(self.expires.timestamp()) if self.expires else None


@dataclass(frozen=True)
class Remembered:
    """An Idempotency-Key's first result: kept a day, scoped to (issuer, operation); operation None is
    a key stored before keys were scoped (issuer only)."""

    issuer_id: str
    operation: str | None
    key: str
    result_id: str
    request_hash: str
    ttl: int  # epoch seconds

    def same_request(self, other: Remembered) -> bool:
        return self.request_hash == other.request_hash


class KeyUsed(Taken):
    """The Idempotency-Key is stored already: nothing was written; `first` is what it remembers."""

    def __init__(self, first: Remembered):
        super().__init__("This Idempotency-Key was already used.")
        self.first = first


class AlreadyAwarded(Taken):
    """The address holds an active award of this badge class: nothing was written."""

    def __init__(self, holder_id: str):
        super().__init__("This address already has an active award of this badge class.")
        self.holder_id = holder_id


@dataclass(frozen=True)
class AwardFilter:
    """Which of an issuer's awards a page lists (state "expired" is derived at `at`)."""

    issuer_id: str
    badge_id: str | None = None
    email: str | None = None
    state: str | None = None


class AwardRepository(Protocol):
    # --- reading ---------------------------------------------------------------------------------
    def get(self, award_id: str, *, consistent: bool = False) -> Award | None:
        """The award (erased ones included: their state says so); None if there is none."""
        ...

    def get_many(self, award_ids: Iterable[str], *, consistent: bool = False) -> list[Award]:
        """The awards that exist among these ids (one BatchGet per 100), in no particular order."""
        ...

    def page(
        self, where: AwardFilter, *, at: datetime, limit: int, cursor: dict | None
    ) -> tuple[list[Award], dict | None]:
        """Up to `limit` of an issuer's awards, newest first, never erased ones; and the cursor of the
        next page (None at the end; store/cursors.py gives it to the API). A cursor not given out for
        this very filter is refused (Invalid)."""
        ...

    def to(
        self, email: str, *, public_only: bool = False, limit: int, cursor: dict | None = None
    ) -> tuple[list[Award], dict | None]:
        """Up to `limit` awards to one address, newest first, never erased ones; and the next cursor."""
        ...

    def remembered(self, issuer_id: str, operation: str | None, key: str) -> Remembered | None:
        """What an Idempotency-Key remembers (operation None: the unscoped form); None if nothing."""
        ...

    # --- issuing ---------------------------------------------------------------------------------
    def award_one(self, award: Award, *, key: Remembered | None, at: datetime) -> None:
        """Write a new award, its key and (if it holds the lock) its guard, all or nothing. KeyUsed if
        the key is stored (checked first), AlreadyAwarded if a live award holds the guard."""
        ...

    def forget(self, key: Remembered) -> None:
        """Let an Idempotency-Key go (its request did not start after all)."""
        ...

    def revoke(self, award: Award, reason: str, *, at: datetime) -> Award:
        """Revoke for good, with its revocation-list entry and OB 3.0 status bit (if it has an index),
        releasing its guard if it still holds it. Changed unless state and status index are as read."""
        ...

    def resend(self, award: Award, *, at: datetime) -> Award:
        """Queue the notice again (a rejected award becomes pending). Changed unless the state is as
        read and no notice is on its way."""
        ...

    def recertify(self, award: Award, expires: datetime, *, at: datetime) -> Award:
        """New expiry, version + 1, its guard renewed. AlreadyAwarded if another live award holds the
        guard; Changed unless the version is as read."""
        ...

    def erase(self, award: Award, *, at: datetime) -> None:
        """Forget the recipient's personal data (state erased), releasing the guard it holds."""
        ...

    def give_status_index(self, award: Award, index: int) -> Award:
        """Give the award its OB 3.0 status index (a revoked one gets its bit set in the same write).
        Changed if it has an index already, or (not revoked) is no longer active."""
        ...

    # --- notices ---------------------------------------------------------------------------------
    def claim_notice(self, award_id: str, claim_hash: str, claim_expires: datetime) -> Award | None:
        """queued → sending with a new claim link, for an active award; None if it is not queued."""
        ...

    def claim_notices(self, claims: Sequence[tuple[str, str]], claim_expires: datetime) -> None:
        """(award id, claim hash) pairs: queued → sending, all in one write. Changed if one is not queued."""
        ...

    def notice_sent(self, award_id: str) -> None: ...

    def notice_failed(self, award_ids: Sequence[str], error: str) -> list[Award]:
        """Mark notices failed (replayable by a resend), whatever they were; the awards as now."""
        ...

    def notice_unsent(self, award_id: str, reason: str) -> None:
        """No notice after all (notice none), with why (the recipient opted out)."""
        ...

    def notice_unconfirmed(self, award_id: str, reason: str) -> bool:
        """sending → failed with `reason`; False when it is no longer sending."""
        ...

    def hand_back(self, award_ids: Sequence[str]) -> None:
        """sending → queued, all in one write (notices SES never took). Changed if one is not sending."""
        ...

    # --- what earners do -------------------------------------------------------------------------
    def accept(self, award: Award, *, at: datetime) -> Award:
        """→ accepted. Changed unless the state is as read."""
        ...

    def reject(self, award: Award, *, at: datetime) -> Award:
        """→ rejected (recoverable). Changed unless the state is as read."""
        ...

    def recover(self, award: Award, *, at: datetime) -> Award:
        """rejected → pending. Changed unless the state is as read."""
        ...

    def claim(self, award: Award, used_hash: str) -> Award:
        """The claim link has done its job: store `used_hash`. Changed unless the hash is as read."""
        ...

    def set_public(self, award: Award, public: bool, *, at: datetime) -> Award:
        """Show or hide the badge on the earner's public page. Changed if it was erased."""
        ...

    def hide_public_to(self, email: str) -> int:
        """Make every public award to this address private; returns how many changed."""
        ...
