"""Accounts in memory: tables "accounts" (by id), "emails" (who holds an address), "account_emails"
(by (account, address)), "merges" (by (into, old)) and "slugs" (slug → account id). The merge moves
an account's addresses and merge records in steps of at most MAX_ITEMS writes, as DynamoDB does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from chalicelib.errors import Changed, Taken
from chalicelib.store.accounts import Account, AccountEmail, Email, MergeRecord
from chalicelib.store.identities import Identity
from chalicelib.store.memory import ways_in
from chalicelib.store.memory.base import Database

CHANGED = "The address or the account changed meanwhile."
MAX_ITEMS = 100
# Test hook, as in store/dynamo/merge.py: called with (into_id, old_id, step) before each move step.
before_step: Callable[[str, str, int], None] | None = None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Accounts:
    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def _accounts(self) -> dict:
        return self.db.table("accounts")

    @property
    def _emails(self) -> dict:
        return self.db.table("emails")

    @property
    def _listed(self) -> dict:
        return self.db.table("account_emails")

    def get(self, account_id: str) -> Account | None:
        return self._accounts.get(account_id)

    def owner_of(self, email: str) -> Email | None:
        return self._emails.get(email)

    def addresses(self, account_id: str, *, consistent: bool = False) -> list[AccountEmail]:
        mine = sorted((e for (a, _), e in self._listed.items() if a == account_id), key=lambda e: e.email)
        return mine[:50]

    def address(self, account_id: str, email: str) -> AccountEmail | None:
        return self._listed.get((account_id, email))

    def _hold(self, email: str, account_id: str, holder: Email | None, at: datetime, refusal) -> None:
        current = self._emails.get(email)
        if holder is None:
            if current is not None:
                raise refusal()
        elif current is None or current.account_id != holder.account_id or current.verified:
            raise refusal()
        else:
            self._listed.pop((holder.account_id, email), None)
        self._emails[email] = Email(email, account_id, at)

    def register(self, account: Account, email: str, *, holder: Email | None) -> None:
        def taken() -> Taken:
            return Taken("This address already belongs to an account.")

        with self.db.transaction():
            if account.id in self._accounts:
                raise taken()
            self._accounts[account.id] = replace(
                account, password_hash=account.password_hash or None, ways_in=0
            )
            self._hold(email, account.id, holder, account.created_at, taken)
            self._listed[account.id, email] = AccountEmail(account.id, email, account.created_at)

    def create_verified(
        self, account: Account, email: str, *, holder: Email | None, identity: Identity | None = None
    ) -> None:
        def taken() -> Taken:
            return Taken("This address or identity already belongs to an account.")

        with self.db.transaction():
            if account.id in self._accounts:
                raise taken()
            at = account.created_at
            # Never "": an empty hash would count as a password and let the last way in go.
            kept = replace(account, password_hash=account.password_hash or None, ways_in=1 if identity else 0)
            self._accounts[account.id] = kept
            self._hold(email, account.id, holder, at, taken)
            self._emails[email] = Email(email, account.id, at, verified=True, verified_at=at)
            self._listed[account.id, email] = AccountEmail(account.id, email, at, verified=True)
            if identity is not None:
                identities = self.db.table("identities")
                if (identity.provider, identity.subject) in identities:
                    raise taken()
                identities[identity.provider, identity.subject] = replace(identity, account_id=account.id)

    def add_address(self, account_id: str, email: str, *, holder: Email | None, at: datetime) -> None:
        with self.db.transaction():
            self._hold(email, account_id, holder, at, lambda: Changed(CHANGED))
            self._listed[account_id, email] = AccountEmail(account_id, email, at)
            found = self._accounts.get(account_id)
            if found is None or found.merged_into is not None:
                raise Changed(CHANGED)

    def verify_address(
        self,
        account_id: str,
        email: str,
        *,
        at: datetime,
        spend: str | None = None,
        password_hash: str | None = None,
    ) -> None:
        with self.db.transaction():
            if spend is not None:
                codes, tokens = self.db.table("activation_codes"), self.db.table("tokens")
                code = codes.pop(email, None)
                if code is None or code.token_hash != spend or tokens.pop(spend, None) is None:
                    raise Changed(CHANGED)
            owner, listed = self._emails.get(email), self._listed.get((account_id, email))
            if owner is None or owner.account_id != account_id or listed is None:
                raise Changed(CHANGED)
            self._emails[email] = replace(owner, verified=True, verified_at=at)
            self._listed[account_id, email] = replace(listed, verified=True)
            if password_hash is not None:
                self._new_password(account_id, password_hash, at)

    def _new_password(self, account_id: str, password_hash: str, at: datetime) -> None:
        found = self._accounts.get(account_id)
        if found is None:
            raise Changed(CHANGED)
        self._accounts[account_id] = replace(
            found, password_hash=password_hash, session_epoch=found.session_epoch + 1, updated_at=at
        )

    def set_password(
        self, account_id: str, password_hash: str, *, at: datetime, epoch: int | None = None
    ) -> Account:
        with self.db.transaction():
            found = self._accounts.get(account_id)
            if found is None or (epoch is not None and found.session_epoch != epoch):
                raise Changed(CHANGED)
            self._new_password(account_id, password_hash, at)
            return self._accounts[account_id]

    def rehash_password(self, account_id: str, password_hash: str) -> None:
        with self.db.transaction():
            found = self._accounts.get(account_id)
            if found is not None:
                self._accounts[account_id] = replace(found, password_hash=password_hash)

    def make_primary(self, account_id: str, email: str, *, at: datetime) -> None:
        with self.db.transaction():
            listed, found = self._listed.get((account_id, email)), self._accounts.get(account_id)
            if listed is None or not listed.verified or found is None or found.merged_into is not None:
                raise Changed(CHANGED)
            self._accounts[account_id] = replace(found, primary_email=email, updated_at=at)

    def remove_address(self, account_id: str, email: str) -> None:
        with self.db.transaction():
            owner, found = self._emails.get(email), self._accounts.get(account_id)
            listed = self._listed.pop((account_id, email), None)
            if owner is None or owner.account_id != account_id or listed is None:
                raise Changed(CHANGED)
            if found is None or found.primary_email == email:
                raise Changed(CHANGED)
            del self._emails[email]

    # --- the public profile ------------------------------------------------------------------------

    def slug_holder(self, slug: str) -> str | None:
        return self.db.table("slugs").get(slug)

    def set_profile(
        self, account_id: str, *, public: bool, slug: str, old_slug: str | None, at: datetime
    ) -> None:
        with self.db.transaction():
            slugs, found = self.db.table("slugs"), self._accounts.get(account_id)
            if slug != old_slug:
                if slug in slugs:
                    raise Taken("This public address is taken.")
                slugs[slug] = account_id
                if old_slug and slugs.pop(old_slug, None) != account_id:
                    raise Taken("This public address is taken.")
            if found is None:
                raise Taken("This public address is taken.")
            self._accounts[account_id] = replace(found, public=public, slug=slug, updated_at=at)

    def set_career_goals(self, account_id: str, text: str | None, *, at: datetime) -> None:
        with self.db.transaction():
            found = self._accounts.get(account_id)
            if found is not None:
                self._accounts[account_id] = replace(found, career_goals=text or None, updated_at=at)

    # --- merge ------------------------------------------------------------------------------------

    def merge_record(self, into_id: str, old_id: str) -> MergeRecord | None:
        return self.db.table("merges").get((into_id, old_id))

    def close_for_merge(self, into_id: str, old_id: str, *, proof: str, email: str) -> None:
        with self.db.transaction():
            merges, at = self.db.table("merges"), _now()
            old, into, owner = (
                self._accounts.get(old_id),
                self._accounts.get(into_id),
                self._emails.get(email),
            )
            refused = (
                (into_id, old_id) in merges
                or old is None
                or old.merged_into is not None
                or into is None
                or into.merged_into is not None
                or owner is None
                or owner.account_id != old_id
                or not owner.verified
            )
            if refused:
                raise Changed("That account is already being merged or has changed meanwhile.")
            merges[into_id, old_id] = MergeRecord(old_id, into_id, "running", proof, email, at)
            self._accounts[old_id] = replace(
                old, merged_into=into_id, closed_at=at, updated_at=at, session_epoch=old.session_epoch + 1
            )

    def move_merge_step(self, record: MergeRecord) -> bool:
        old_id, into_id = record.from_id, record.into_id
        addresses = sorted(e for (a, e) in self._listed if a == old_id)
        ways = ways_in.owned(self.db, old_id)
        records = sorted(k for k in self.db.table("merges") if k[0] == old_id)
        if not addresses and not ways and not records:
            return False
        moving, bringing, taking, room = [], [], [], MAX_ITEMS - 1
        for email in addresses:
            if room < 3:
                break
            moving.append(email)
            room -= 3
        for way in ways:  # the lookup re-pointed, the listing moved; the survivor's counts once a step
            if room < 3 + (not bringing) or len(moving) < len(addresses):
                break
            bringing.append(way)
            room -= 3 + (not bringing[1:])
        for key in records:
            if room < 2 or len(moving) < len(addresses) or len(bringing) < len(ways):
                break
            taking.append(key)
            room -= 2
        if before_step is not None:
            before_step(into_id, old_id, record.steps + 1)
        self._move(record, moving, taking, bringing)
        return True

    def _move(
        self, record: MergeRecord, moving: list[str], taking: list[tuple[str, str]], bringing: list
    ) -> None:
        old_id, into_id = record.from_id, record.into_id
        with self.db.transaction():
            merges = self.db.table("merges")
            current = merges.get((into_id, old_id))
            if current is None or current.state != "running":
                raise Changed("A concurrent change refused this merge step; nothing was written.")
            ways_in.bring(self.db, bringing, old_id, into_id)
            for email in moving:
                owner, listed = self._emails.get(email), self._listed.pop((old_id, email), None)
                if owner is None or owner.account_id != old_id or listed is None:
                    raise Changed("A concurrent change refused this merge step; nothing was written.")
                if (into_id, email) in self._listed:
                    raise Changed("A concurrent change refused this merge step; nothing was written.")
                self._emails[email] = replace(owner, account_id=into_id, merged_from=old_id)
                self._listed[into_id, email] = replace(listed, account_id=into_id)
            for key in taking:
                moved = merges.pop(key)
                merges.setdefault((into_id, key[1]), moved)  # the survivor's own record is kept
            merges[into_id, old_id] = replace(
                current, moved=current.moved + tuple(moving), steps=current.steps + 1
            )

    def finish_merge(self, record: MergeRecord) -> None:
        with self.db.transaction():
            merges = self.db.table("merges")
            current = merges.get((record.into_id, record.from_id))
            old, mine = self._accounts.get(record.from_id), self._accounts.get(record.into_id)
            if current is None or current.state != "running" or old is None or mine is None:
                raise Changed("A concurrent change refused this merge step; nothing was written.")
            taken = {
                k: getattr(old, k)
                for k in ("slug", "career_goals")
                if getattr(old, k) and not getattr(mine, k)
            }
            if "slug" in taken:
                slugs = self.db.table("slugs")
                if slugs.get(taken["slug"]) != record.from_id:
                    raise Changed("A concurrent change refused this merge step; nothing was written.")
                slugs[taken["slug"]] = record.into_id
            self._accounts[record.into_id] = replace(mine, **taken)
            merges[record.into_id, record.from_id] = replace(current, state="done", finished_at=_now())

    def running_merges(self, into_id: str) -> list[MergeRecord]:
        merges = self.db.table("merges")
        return [m for (into, _), m in sorted(merges.items()) if into == into_id and m.state == "running"]
