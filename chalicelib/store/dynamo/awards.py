"""Awards in the assertions table (key formats in award_items.py); a revoke also writes the issuer's
revocation list entry and its OB 3.0 status list bit in the badges table (items of issuer_keys.py), all
in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from chalicelib.errors import Changed
from chalicelib.openbadges.ob3 import STATUS_LIST_SIZE
from chalicelib.store import cursors
from chalicelib.store.awards import ACTIVE_STATES, AlreadyAwarded, Award, AwardFilter, KeyUsed, Remembered
from chalicelib.store.dynamo import counts
from chalicelib.store.dynamo.award_items import (
    FAILED,
    GUARD,
    PAGE,
    assertion_pk,
    award_of,
    guard_free,
    guard_holder,
    guard_of,
    guard_pk,
    index_condition,
    item_of,
    key_item,
    key_of,
    reasons,
    remembered,
    state_condition,
)
from chalicelib.store.dynamo.issuer_keys import add_revoked_bit, revocation_item
from chalicelib.store.dynamo.models import (
    ActiveAwardItem,
    AssertionItem,
    IdempotencyItem,
    transaction,
)
from chalicelib.store.dynamo.translate import translated
from chalicelib.store.issuer_keys import Revocation


class Awards:
    # --- reading ---------------------------------------------------------------------------------
    def get(self, award_id: str, *, consistent: bool = False) -> Award | None:
        with translated():
            try:
                return award_of(
                    AssertionItem.get(assertion_pk(award_id), "ASSERTION", consistent_read=consistent)
                )
            except AssertionItem.DoesNotExist:
                return None

    def get_many(self, award_ids: Iterable[str], *, consistent: bool = False) -> list[Award]:
        keys = [(assertion_pk(i), "ASSERTION") for i in award_ids]
        with translated():
            return (
                [award_of(i) for i in AssertionItem.batch_get(keys, consistent_read=consistent)]
                if keys
                else []
            )

    def page(
        self, where: AwardFilter, *, at: datetime, limit: int, cursor: dict | None
    ) -> tuple[list[Award], dict | None]:
        condition = AssertionItem.state != "erased"
        if where.badge_id:
            index, hash_name, key = AssertionItem.by_badge, "badge_id", where.badge_id
            condition &= AssertionItem.issuer_id == where.issuer_id
            if where.email:
                condition &= AssertionItem.recipient_email == where.email
        elif where.email:
            index, hash_name, key = AssertionItem.by_recipient, "recipient_email", where.email
            condition &= AssertionItem.issuer_id == where.issuer_id
        else:
            index, hash_name, key = AssertionItem.by_issuer, "issuer_id", where.issuer_id
        if where.state:
            condition &= state_condition(where.state, at)
        cursors.check(cursor, hash_name, key, "listing")
        with translated():
            result = index.query(
                key,
                filter_condition=condition,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=cursor,
            )
            return [award_of(i) for i in result], result.last_evaluated_key

    def to(
        self, email: str, *, public_only: bool = False, limit: int, cursor: dict | None = None
    ) -> tuple[list[Award], dict | None]:
        condition = AssertionItem.state != "erased"
        if public_only:
            condition &= AssertionItem.public == True  # noqa: E712
        cursors.check(cursor, "recipient_email", email, "listing")
        with translated():
            result = AssertionItem.by_recipient.query(
                email,
                filter_condition=condition,
                scan_index_forward=False,
                limit=limit,
                page_size=min(limit, PAGE),
                last_evaluated_key=cursor,
            )
            return [award_of(i) for i in result], result.last_evaluated_key

    def remembered(self, issuer_id: str, operation: str | None, key: str) -> Remembered | None:
        with translated():
            return remembered(issuer_id, operation, key)

    # --- issuing ---------------------------------------------------------------------------------
    def award_one(self, award: Award, *, key: Remembered | None, at: datetime) -> None:
        with translated(lambda: Changed("The award could not be written.")):
            try:
                with transaction() as tx:  # in this order: the refusal below reads the reasons by place
                    tx.save(item_of(award), condition=AssertionItem.pk.does_not_exist())
                    if key is not None:
                        tx.save(key_item(key), condition=IdempotencyItem.pk.does_not_exist())
                    if award.holds_lock:
                        tx.save(guard_of(award), condition=guard_free(at))
                    counts.joined(tx, None, award)  # an update: sent after the puts
            except Exception as error:
                codes = reasons(error)
                if key is not None and len(codes) > 1 and codes[1] == FAILED:
                    first = remembered(key.issuer_id, key.operation, key.key)
                    if first is not None:
                        raise KeyUsed(first) from None
                guard_at = 1 + (key is not None)  # the last put
                if award.holds_lock and len(codes) > guard_at and codes[guard_at] == FAILED:
                    holder = guard_holder(award.badge_id, award.recipient_email or "")
                    raise AlreadyAwarded(holder or "") from None
                raise

    def forget(self, key: Remembered) -> None:
        with translated():
            key_item(key).delete()

    def revoke(self, award: Award, reason: str, *, at: datetime) -> Award:
        with translated():
            guard = self._held_guard(award)
            after = replace(award, state="revoked", revocation_reason=reason, claim_hash=None, updated_at=at)
            with transaction() as tx:
                index = index_condition(award)
                tx.update(
                    key_of(award.id),
                    actions=[
                        AssertionItem.state.set("revoked"),
                        AssertionItem.revocation_reason.set(reason),
                        AssertionItem.claim_hash.remove(),
                        AssertionItem.updated_at.set(at),
                        *counts.joined(tx, award, after),
                    ],
                    condition=(AssertionItem.state == award.state) & index & counts.pinned_expiry(award),
                )
                tx.save(revocation_item(award.issuer_id, Revocation(award.id, reason, at)))
                if award.status_index is not None:
                    add_revoked_bit(tx, award.issuer_id, award.status_index, STATUS_LIST_SIZE)
                if guard is not None:
                    tx.delete(guard, condition=ActiveAwardItem.assertion_id == award.id)
        return after

    def _held_guard(self, award: Award) -> ActiveAwardItem | None:
        """The award's guard, if it still holds it (a newer award may hold it now)."""
        if not award.holds_lock:
            return None
        try:
            guard = ActiveAwardItem.get(guard_pk(award.badge_id, award.recipient_email or ""), GUARD)
        except ActiveAwardItem.DoesNotExist:
            return None
        return guard if guard.assertion_id == award.id else None

    def resend(self, award: Award, *, at: datetime) -> Award:
        actions = [
            AssertionItem.notice.set("queued"),
            AssertionItem.notice_error.remove(),
            AssertionItem.updated_at.set(at),
        ]
        condition = AssertionItem.notice.is_in("none", "sent", "failed") & (
            AssertionItem.state == award.state
        )
        if award.state != "rejected":
            return self._update(award.id, actions, condition)
        # rejected → pending: the counts move in the same write
        after = replace(award, notice="queued", notice_error=None, updated_at=at, state="pending")
        with translated(), transaction() as tx:
            actions += [AssertionItem.state.set("pending"), *counts.joined(tx, award, after)]
            tx.update(key_of(award.id), actions=actions, condition=AssertionItem.pk.exists() & condition)
        return after

    def recertify(self, award: Award, expires: datetime, *, at: datetime) -> Award:
        after = replace(award, expires=expires, version=award.version + 1, updated_at=at)
        with translated():
            try:
                with transaction() as tx:
                    tx.update(
                        key_of(award.id),
                        actions=[
                            AssertionItem.expires.set(expires),
                            AssertionItem.version.add(1),
                            AssertionItem.updated_at.set(at),
                            *counts.joined(tx, award, after),
                        ],
                        # the state too: whether it can expire decides its counts
                        condition=(AssertionItem.version == award.version)
                        & (AssertionItem.state == award.state),
                    )
                    if award.holds_lock:
                        tx.save(
                            guard_of(award, expires),
                            condition=guard_free(at) | (ActiveAwardItem.assertion_id == award.id),
                        )
            except Exception as error:
                codes = reasons(error)
                # PynamoDB sends puts before updates: the guard, when there is one, comes first.
                if award.holds_lock and codes and codes[0] == FAILED:
                    holder = guard_holder(award.badge_id, award.recipient_email or "")
                    raise AlreadyAwarded(holder or "") from None
                raise
        return after

    def erase(self, award: Award, *, at: datetime) -> None:
        with translated():
            guard = self._held_guard(award) if award.state != "revoked" else None
            erased = replace(award, state="erased", recipient_email=None)
            with transaction() as tx:
                tx.update(
                    key_of(award.id),
                    # the state and expiry read: the counts taken back are those
                    condition=(AssertionItem.state == award.state) & counts.pinned_expiry(award),
                    actions=[
                        *counts.joined(tx, award, erased),
                        AssertionItem.state.set("erased"),
                        AssertionItem.recipient_email.remove(),
                        AssertionItem.recipient_name.remove(),
                        AssertionItem.salt.remove(),
                        AssertionItem.identity.remove(),
                        AssertionItem.narrative.remove(),
                        AssertionItem.evidence.set([]),
                        AssertionItem.claim_hash.remove(),
                        AssertionItem.updated_at.set(at),
                    ],
                )
                if guard is not None:
                    tx.delete(guard, condition=ActiveAwardItem.assertion_id == award.id)

    def give_status_index(self, award: Award, index: int) -> Award:
        if award.state != "revoked":
            return self._update(
                award.id,
                [AssertionItem.status_index.set(index)],
                AssertionItem.status_index.does_not_exist() & AssertionItem.state.is_in(*ACTIVE_STATES),
            )
        # Revoked before any credential was requested: the index and its bit are written together.
        with translated(), transaction() as tx:
            tx.update(
                key_of(award.id),
                actions=[AssertionItem.status_index.set(index)],
                condition=AssertionItem.status_index.does_not_exist(),
            )
            add_revoked_bit(tx, award.issuer_id, index, STATUS_LIST_SIZE)
        return replace(award, status_index=index)

    # --- notices ---------------------------------------------------------------------------------
    def claim_notice(self, award_id: str, claim_hash: str, claim_expires: datetime) -> Award | None:
        try:
            return self._update(
                award_id,
                [
                    AssertionItem.notice.set("sending"),
                    AssertionItem.claim_hash.set(claim_hash),
                    AssertionItem.claim_expires.set(claim_expires),
                ],
                (AssertionItem.notice == "queued") & AssertionItem.state.is_in(*ACTIVE_STATES),
            )
        except Changed:
            return None

    def claim_notices(self, claims: Sequence[tuple[str, str]], claim_expires: datetime) -> None:
        if not claims:
            return
        with translated(), transaction() as tx:
            for award_id, claim_hash in claims:
                actions = [
                    AssertionItem.notice.set("sending"),
                    AssertionItem.claim_hash.set(claim_hash),
                    AssertionItem.claim_expires.set(claim_expires),
                ]
                tx.update(key_of(award_id), actions=actions, condition=AssertionItem.notice == "queued")

    def notice_sent(self, award_id: str) -> None:
        # unconditional: what happened wins over a duplicate delivery's "unconfirmed" meanwhile
        self._update(award_id, [AssertionItem.notice.set("sent"), AssertionItem.notice_error.remove()])

    def notice_failed(self, award_ids: Sequence[str], error: str) -> list[Award]:
        actions = [AssertionItem.notice.set("failed"), AssertionItem.notice_error.set(error)]
        return [self._update(award_id, actions) for award_id in award_ids]

    def notice_unsent(self, award_id: str, reason: str) -> None:
        self._update(award_id, [AssertionItem.notice.set("none"), AssertionItem.notice_error.set(reason)])

    def notice_unconfirmed(self, award_id: str, reason: str) -> bool:
        try:
            self._update(
                award_id,
                [AssertionItem.notice.set("failed"), AssertionItem.notice_error.set(reason)],
                AssertionItem.notice == "sending",
            )
        except Changed:
            return False
        return True

    def hand_back(self, award_ids: Sequence[str]) -> None:
        if not award_ids:
            return
        with translated(), transaction() as tx:
            for award_id in award_ids:
                tx.update(
                    key_of(award_id),
                    actions=[AssertionItem.notice.set("queued")],
                    condition=AssertionItem.notice == "sending",
                )

    # --- what earners do -------------------------------------------------------------------------
    def accept(self, award: Award, *, at: datetime) -> Award:
        return self._move(award, "accepted", at)

    def reject(self, award: Award, *, at: datetime) -> Award:
        return self._move(award, "rejected", at)

    def recover(self, award: Award, *, at: datetime) -> Award:
        return self._move(award, "pending", at)

    def _move(self, award: Award, to: str, at: datetime) -> Award:
        after = replace(award, state=to, updated_at=at)
        with translated(), transaction() as tx:  # one call still: the award and its address's counts
            tx.update(
                key_of(award.id),
                actions=[
                    AssertionItem.state.set(to),
                    AssertionItem.updated_at.set(at),
                    *counts.joined(tx, award, after),
                ],
                condition=AssertionItem.pk.exists() & (AssertionItem.state == award.state),
            )
        return after

    def claim(self, award: Award, used_hash: str) -> Award:
        condition = (
            AssertionItem.claim_hash == award.claim_hash
            if award.claim_hash is not None
            else AssertionItem.claim_hash.does_not_exist()
        )
        return self._update(
            award.id, [AssertionItem.claim_hash.set(used_hash)], condition & AssertionItem.pk.exists()
        )

    def set_public(self, award: Award, public: bool, *, at: datetime) -> Award:
        return self._update(
            award.id,
            [AssertionItem.public.set(public), AssertionItem.updated_at.set(at)],
            AssertionItem.pk.exists() & (AssertionItem.state != "erased"),
        )

    def hide_public_to(self, email: str) -> int:
        hidden = 0
        cursor = None
        while True:  # one Query page per 100 public awards, one UpdateItem per public badge
            found, cursor = self.to(email, public_only=True, limit=PAGE, cursor=cursor)
            for award in found:
                try:
                    self._update(award.id, [AssertionItem.public.set(False)], AssertionItem.pk.exists())
                    hidden += 1
                except Changed:
                    pass  # gone meanwhile
            if not cursor:
                return hidden

    def _update(self, award_id: str, actions: list, condition=None) -> Award:
        """One UpdateItem of an existing award (Changed if it is gone or the condition fails); the
        award as the update left it."""
        item = key_of(award_id)
        exists = AssertionItem.pk.exists()
        with translated():
            item.update(actions=actions, condition=exists if condition is None else exists & condition)
        return award_of(item)
