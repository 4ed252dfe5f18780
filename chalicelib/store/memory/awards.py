"""Awards in memory. Tables: "awards" (id → Award), "guards" ((badge id, email) → (award id, expires
at)), "keys" ((issuer, operation, key) → Remembered); a revoke also writes the issuer keys' revocation
and status bit (memory/issuer_keys.py) in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from chalicelib.errors import Changed
from chalicelib.store import cursors
from chalicelib.store.awards import ACTIVE_STATES, AlreadyAwarded, Award, AwardFilter, KeyUsed, Remembered
from chalicelib.store.issuer_keys import Revocation
from chalicelib.store.memory import counts
from chalicelib.store.memory.base import Database
from chalicelib.store.memory.issuer_keys import add_revoked_bit, keep_revocation

PAGE = 100


def changed() -> Changed:
    return Changed("The record changed meanwhile.")


def cursor_of(award: Award, hash_name: str, hash_value: str) -> dict:
    """A cursor shaped as DynamoDB's (so the same checks apply), without its key formats."""
    return {
        "pk": {"S": award.id},
        "sk": {"S": "award"},
        hash_name: {"S": hash_value},
        "listing": {"S": award.listing},
    }


def newest_first(found: list[Award], limit: int, cursor: dict | None, shape: tuple[str, str]):
    """One page of `found` (already filtered) after `cursor`, newest first, and the next cursor."""
    found = sorted(found, key=lambda a: a.listing, reverse=True)
    if cursor is not None:
        after = cursor["listing"]["S"]
        found = [a for a in found if a.listing < after]
    page = found[:limit]
    more = len(found) > limit
    return page, (cursor_of(page[-1], *shape) if more and page else None)


def take_guard(db: Database, award: Award, expires: datetime | None, at: datetime) -> None:
    """Hold the address for this award: free, expired, or its own already; AlreadyAwarded otherwise."""
    guards = db.table("guards")
    place = (award.badge_id, award.recipient_email)
    holder = guards.get(place)
    free = holder is None or holder[0] == award.id or (holder[1] is not None and holder[1] < at.timestamp())
    if not free:
        raise AlreadyAwarded(holder[0])
    guards[place] = (award.id, int(expires.timestamp()) if expires else None)


class Awards:
    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def _awards(self) -> dict[str, Award]:
        return self.db.table("awards")

    # --- reading ---------------------------------------------------------------------------------
    def get(self, award_id: str, *, consistent: bool = False) -> Award | None:
        return self._awards.get(award_id)

    def get_many(self, award_ids: Iterable[str], *, consistent: bool = False) -> list[Award]:
        return [self._awards[i] for i in dict.fromkeys(award_ids) if i in self._awards]

    def page(
        self, where: AwardFilter, *, at: datetime, limit: int, cursor: dict | None
    ) -> tuple[list[Award], dict | None]:
        if where.badge_id:
            shape = ("badge_id", where.badge_id)
        elif where.email:
            shape = ("recipient_email", where.email)
        else:
            shape = ("issuer_id", where.issuer_id)
        cursors.check(cursor, shape[0], shape[1], "listing")
        found = [
            a
            for a in self._awards.values()
            if a.state != "erased"
            and a.issuer_id == where.issuer_id
            and (not where.badge_id or a.badge_id == where.badge_id)
            and (not where.email or a.recipient_email == where.email)
            and (not where.state or a.status(at) == where.state)
        ]
        return newest_first(found, limit, cursor, shape)

    def to(
        self, email: str, *, public_only: bool = False, limit: int, cursor: dict | None = None
    ) -> tuple[list[Award], dict | None]:
        cursors.check(cursor, "recipient_email", email, "listing")
        found = [
            a
            for a in self._awards.values()
            if a.recipient_email == email and a.state != "erased" and (a.public or not public_only)
        ]
        return newest_first(found, limit, cursor, ("recipient_email", email))

    def remembered(self, issuer_id: str, operation: str | None, key: str) -> Remembered | None:
        return self.db.table("keys").get((issuer_id, operation, key))

    # --- issuing ---------------------------------------------------------------------------------
    def award_one(self, award: Award, *, key: Remembered | None, at: datetime) -> None:
        with self.db.transaction():
            if award.id in self._awards:
                raise Changed("The award could not be written.")
            if key is not None:
                first = self.remembered(key.issuer_id, key.operation, key.key)
                if first is not None:
                    raise KeyUsed(first)
                self.db.table("keys")[key.issuer_id, key.operation, key.key] = key
            if award.holds_lock:
                take_guard(self.db, award, award.expires, at)
            self._awards[award.id] = award
            counts.joined(self.db, None, award)

    def _take_guard(self, award: Award, expires: datetime | None, at: datetime) -> None:
        guards = self.db.table("guards")
        place = (award.badge_id, award.recipient_email)
        holder = guards.get(place)
        free = (
            holder is None or holder[0] == award.id or (holder[1] is not None and holder[1] < at.timestamp())
        )
        if not free:
            raise AlreadyAwarded(holder[0])
        guards[place] = (award.id, int(expires.timestamp()) if expires else None)

    def _release_guard(self, award: Award) -> None:
        guards = self.db.table("guards")
        place = (award.badge_id, award.recipient_email)
        if award.holds_lock and guards.get(place, (None,))[0] == award.id:
            del guards[place]

    def forget(self, key: Remembered) -> None:
        with self.db.transaction():
            self.db.table("keys").pop((key.issuer_id, key.operation, key.key), None)

    def _current(self, award: Award) -> Award:
        found = self._awards.get(award.id)
        if found is None:
            raise changed()
        return found

    def revoke(self, award: Award, reason: str, *, at: datetime) -> Award:
        with self.db.transaction():
            now = self._current(award)
            if (
                now.state != award.state
                or now.status_index != award.status_index
                or now.expires != award.expires
            ):
                raise changed()
            self._awards[award.id] = after = replace(
                now, state="revoked", revocation_reason=reason, claim_hash=None, updated_at=at
            )
            counts.joined(self.db, now, after)
            keep_revocation(self.db, award.issuer_id, Revocation(award.id, reason, at))
            if award.status_index is not None:
                add_revoked_bit(self.db, award.issuer_id, award.status_index)
            self._release_guard(now)
        return after

    def resend(self, award: Award, *, at: datetime) -> Award:
        with self.db.transaction():
            now = self._current(award)
            if now.notice not in ("none", "sent", "failed") or now.state != award.state:
                raise changed()
            state = "pending" if now.state == "rejected" else now.state
            after = replace(now, notice="queued", notice_error=None, updated_at=at, state=state)
            self._awards[award.id] = after
            counts.joined(self.db, now, after)
        return after

    def recertify(self, award: Award, expires: datetime, *, at: datetime) -> Award:
        with self.db.transaction():
            now = self._current(award)
            if award.holds_lock:
                take_guard(self.db, award, expires, at)
            if now.version != award.version or now.state != award.state:
                raise changed()
            after = replace(now, expires=expires, version=now.version + 1, updated_at=at)
            self._awards[award.id] = after
            counts.joined(self.db, now, after)
        return after

    def erase(self, award: Award, *, at: datetime) -> None:
        with self.db.transaction():
            now = self._current(award)
            if now.state != award.state or now.expires != award.expires:
                raise changed()
            self._awards[award.id] = erased = replace(
                now,
                state="erased",
                recipient_email=None,
                recipient_name=None,
                salt=None,
                identity=None,
                narrative=None,
                evidence=(),
                claim_hash=None,
                updated_at=at,
            )
            counts.joined(self.db, now, erased)
            if award.state != "revoked":
                self._release_guard(now)

    def give_status_index(self, award: Award, index: int) -> Award:
        with self.db.transaction():
            now = self._current(award)
            if now.status_index is not None:
                raise changed()
            if award.state != "revoked" and now.state not in ACTIVE_STATES:
                raise changed()
            self._awards[award.id] = after = replace(now, status_index=index)
            if award.state == "revoked":
                add_revoked_bit(self.db, award.issuer_id, index)
        return after

    # --- notices ---------------------------------------------------------------------------------
    def _change(self, award_id: str, check=None, **changes) -> Award:
        with self.db.transaction():
            now = self._awards.get(award_id)
            if now is None or (check is not None and not check(now)):
                raise changed()
            self._awards[award_id] = after = replace(now, **changes)
        return after

    def claim_notice(self, award_id: str, claim_hash: str, claim_expires: datetime) -> Award | None:
        try:
            return self._change(
                award_id,
                lambda a: a.notice == "queued" and a.state in ACTIVE_STATES,
                notice="sending",
                claim_hash=claim_hash,
                claim_expires=claim_expires,
            )
        except Changed:
            return None

    def claim_notices(self, claims: Sequence[tuple[str, str]], claim_expires: datetime) -> None:
        if not claims:
            return
        with self.db.transaction():
            for award_id, claim_hash in claims:
                self._change(
                    award_id,
                    lambda a: a.notice == "queued",
                    notice="sending",
                    claim_hash=claim_hash,
                    claim_expires=claim_expires,
                )

    def notice_sent(self, award_id: str) -> None:
        self._change(award_id, notice="sent", notice_error=None)

    def notice_failed(self, award_ids: Sequence[str], error: str) -> list[Award]:
        return [self._change(award_id, notice="failed", notice_error=error) for award_id in award_ids]

    def notice_unsent(self, award_id: str, reason: str) -> None:
        self._change(award_id, notice="none", notice_error=reason)

    def notice_unconfirmed(self, award_id: str, reason: str) -> bool:
        try:
            self._change(award_id, lambda a: a.notice == "sending", notice="failed", notice_error=reason)
        except Changed:
            return False
        return True

    def hand_back(self, award_ids: Sequence[str]) -> None:
        if not award_ids:
            return
        with self.db.transaction():
            for award_id in award_ids:
                self._change(award_id, lambda a: a.notice == "sending", notice="queued")

    # --- what earners do -------------------------------------------------------------------------
    def accept(self, award: Award, *, at: datetime) -> Award:
        return self._move(award, "accepted", at)

    def reject(self, award: Award, *, at: datetime) -> Award:
        return self._move(award, "rejected", at)

    def recover(self, award: Award, *, at: datetime) -> Award:
        return self._move(award, "pending", at)

    def _move(self, award: Award, to: str, at: datetime) -> Award:
        with self.db.transaction():
            now = self._awards.get(award.id)
            after = self._change(award.id, lambda a: a.state == award.state, state=to, updated_at=at)
            counts.joined(self.db, now, after)
        return after

    def claim(self, award: Award, used_hash: str) -> Award:
        return self._change(award.id, lambda a: a.claim_hash == award.claim_hash, claim_hash=used_hash)

    def set_public(self, award: Award, public: bool, *, at: datetime) -> Award:
        return self._change(award.id, lambda a: a.state != "erased", public=public, updated_at=at)

    def hide_public_to(self, email: str) -> int:
        hidden = 0
        for award in list(self._awards.values()):
            if award.recipient_email == email and award.public and award.state != "erased":
                self._change(award.id, public=False)
                hidden += 1
        return hidden
