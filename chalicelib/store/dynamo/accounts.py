"""Accounts in the accounts table: the profile ACCOUNT#id / PROFILE, who holds an address EMAIL#addr /
EMAIL (a conditional write gives it to one account), the account's list ACCOUNT#id / EMAIL#addr; the
merge's raw transactions are in store/dynamo/merge.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.errors import Changed, Taken
from chalicelib.store.accounts import Account, AccountEmail, Email, MergeRecord
from chalicelib.store.dynamo import merge
from chalicelib.store.dynamo.codes import code_key, token_key
from chalicelib.store.dynamo.identities import identity_item, identity_listed
from chalicelib.store.dynamo.models import (
    AccountEmailItem,
    AccountItem,
    ActivationCodeItem,
    EmailItem,
    IdentityItem,
    OneTimeTokenItem,
    SlugItem,
    transaction,
)
from chalicelib.store.dynamo.translate import translated
from chalicelib.store.identities import Identity

CHANGED = "The address or the account changed meanwhile."


def _profile(account_id: str) -> AccountItem:
    return AccountItem(f"ACCOUNT#{account_id}", "PROFILE")


def _listed(account_id: str, email: str) -> AccountEmailItem:
    return AccountEmailItem(f"ACCOUNT#{account_id}", f"EMAIL#{email}")


def _owner(email: str) -> EmailItem:
    return EmailItem(f"EMAIL#{email}", "EMAIL")


def _changed() -> Changed:
    return Changed(CHANGED)


def account(item: AccountItem) -> Account:
    return Account(
        id=item.id,
        first_name=item.first_name,
        last_name=item.last_name,
        password_hash=item.password_hash,
        primary_email=item.primary_email,
        created_at=item.created_at,
        updated_at=item.updated_at,
        session_epoch=int(item.session_epoch or 0),
        public=bool(item.public),
        slug=item.slug,
        career_goals=item.career_goals,
        merged_into=item.merged_into,
        closed_at=item.closed_at,
        ways_in=int(item.ways_in or 0),
        passkeys=int(item.passkeys or 0),
        terms_at=item.terms_at,
        product_mail=bool(item.product_mail),
    )


def _email(item: EmailItem) -> Email:
    return Email(
        email=item.email,
        account_id=item.account_id,
        created_at=item.created_at,
        verified=bool(item.verified),
        verified_at=item.verified_at,
        merged_from=item.merged_from,
    )


def _account_email(item: AccountEmailItem) -> AccountEmail:
    return AccountEmail(
        account_id=item.pk.removeprefix("ACCOUNT#"),
        email=item.email,
        created_at=item.created_at,
        verified=bool(item.verified),
    )


def _hold(
    tx, email: str, account_id: str, holder: Email | None, at: datetime, *, verified: bool = False
) -> None:
    """In `tx`: put the address on `account_id` (unverified unless told). Either nobody holds it, or
    `holder` (another account) holds it unverified: that hold ends (its listing goes) unless it changed
    meanwhile."""
    owner = EmailItem(f"EMAIL#{email}", "EMAIL", email=email, account_id=account_id, created_at=at)
    if verified:
        owner.verified, owner.verified_at = True, at
    if holder is None:
        tx.save(owner, condition=EmailItem.pk.does_not_exist())
        return
    unverified = EmailItem.verified.does_not_exist() | (EmailItem.verified == False)  # noqa: E712
    tx.save(owner, condition=(EmailItem.account_id == holder.account_id) & unverified)
    tx.delete(_listed(holder.account_id, email))


def _new_profile(account: Account, *, ways_in: int = 0) -> AccountItem:
    return AccountItem(
        f"ACCOUNT#{account.id}",
        "PROFILE",
        id=account.id,
        first_name=account.first_name,
        last_name=account.last_name,
        password_hash=account.password_hash or None,  # never "": the dummy hash must open nothing
        primary_email=account.primary_email,
        created_at=account.created_at,
        updated_at=account.updated_at,
        ways_in=ways_in,
        passkeys=0,
        terms_at=account.terms_at,
        product_mail=account.product_mail,
    )


class Accounts:
    def get(self, account_id: str) -> Account | None:
        with translated():
            try:
                return account(AccountItem.get(f"ACCOUNT#{account_id}", "PROFILE"))
            except AccountItem.DoesNotExist:
                return None

    def owner_of(self, email: str) -> Email | None:
        with translated():
            try:
                return _email(EmailItem.get(f"EMAIL#{email}", "EMAIL"))
            except EmailItem.DoesNotExist:
                return None

    def addresses(self, account_id: str, *, consistent: bool = False) -> list[AccountEmail]:
        pk, addresses = f"ACCOUNT#{account_id}", AccountEmailItem.sk.startswith("EMAIL#")
        with translated():
            if consistent:
                items = AccountEmailItem.query(pk, addresses, consistent_read=True, limit=50)
            else:
                items = AccountEmailItem.query(pk, addresses, limit=50, page_size=50)
            return [_account_email(item) for item in items]

    def address(self, account_id: str, email: str) -> AccountEmail | None:
        with translated():
            try:
                found = AccountEmailItem.get(f"ACCOUNT#{account_id}", f"EMAIL#{email}", consistent_read=True)
            except AccountEmailItem.DoesNotExist:
                return None
        return _account_email(found)

    def register(self, account: Account, email: str, *, holder: Email | None) -> None:
        listed = AccountEmailItem(
            f"ACCOUNT#{account.id}", f"EMAIL#{email}", email=email, created_at=account.created_at
        )
        with translated(lambda: Taken("This address already belongs to an account.")), transaction() as tx:
            tx.save(_new_profile(account), condition=AccountItem.pk.does_not_exist())
            _hold(tx, email, account.id, holder, account.created_at)
            tx.save(listed)

    def create_verified(
        self, account: Account, email: str, *, holder: Email | None, identity: Identity | None = None
    ) -> None:
        at = account.created_at
        listed = AccountEmailItem(f"ACCOUNT#{account.id}", f"EMAIL#{email}", email=email, created_at=at)
        listed.verified = True
        taken = Taken("This address or this sign-in already belongs to an account.")
        with translated(lambda: taken), transaction() as tx:
            profile = _new_profile(account, ways_in=0 if identity is None else 1)
            tx.save(profile, condition=AccountItem.pk.does_not_exist())
            _hold(tx, email, account.id, holder, at, verified=True)
            tx.save(listed)
            if identity is not None:
                linked = replace(identity, account_id=account.id)
                tx.save(identity_item(linked), condition=IdentityItem.pk.does_not_exist())
                tx.save(identity_listed(linked))

    def add_address(self, account_id: str, email: str, *, holder: Email | None, at: datetime) -> None:
        listed = AccountEmailItem(f"ACCOUNT#{account_id}", f"EMAIL#{email}", email=email, created_at=at)
        with translated(_changed), transaction() as tx:
            _hold(tx, email, account_id, holder, at)  # another account's unverified hold ends
            tx.save(listed)
            # A merge closes an account first; an address added after that would be left behind.
            open_account = AccountItem.merged_into.does_not_exist()
            tx.condition_check(AccountItem, f"ACCOUNT#{account_id}", "PROFILE", condition=open_account)

    def verify_address(
        self,
        account_id: str,
        email: str,
        *,
        at: datetime,
        spend: str | None = None,
        password_hash: str | None = None,
    ) -> None:
        with translated(_changed), transaction() as tx:
            if spend is not None:
                tx.delete(code_key(email), condition=ActivationCodeItem.token_hash == spend)
                tx.delete(token_key(spend), condition=OneTimeTokenItem.pk.exists())
            tx.update(
                _owner(email),
                actions=[EmailItem.verified.set(True), EmailItem.verified_at.set(at)],
                condition=EmailItem.account_id == account_id,
            )
            tx.update(
                _listed(account_id, email),
                actions=[AccountEmailItem.verified.set(True)],
                condition=AccountEmailItem.pk.exists(),
            )
            if password_hash is not None:
                tx.update(_profile(account_id), actions=_new_password(password_hash, at))

    def set_password(
        self, account_id: str, password_hash: str, *, at: datetime, epoch: int | None = None
    ) -> Account:
        condition = None if epoch is None else AccountItem.session_epoch == epoch
        if epoch == 0:  # an account whose password was never changed may have no epoch stored yet
            condition = AccountItem.session_epoch.does_not_exist() | condition
        item = _profile(account_id)
        with translated(_changed):
            item.update(actions=_new_password(password_hash, at), condition=condition)  # returns the new item
        return account(item)

    def rehash_password(self, account_id: str, password_hash: str) -> None:
        with translated(_changed):
            _profile(account_id).update(actions=[AccountItem.password_hash.set(password_hash)])

    def make_primary(self, account_id: str, email: str, *, at: datetime) -> None:
        with translated(_changed), transaction() as tx:
            tx.condition_check(
                AccountEmailItem,
                f"ACCOUNT#{account_id}",
                f"EMAIL#{email}",
                condition=AccountEmailItem.verified == True,  # noqa: E712
            )
            tx.update(
                _profile(account_id),
                actions=[AccountItem.primary_email.set(email), AccountItem.updated_at.set(at)],
                condition=AccountItem.merged_into.does_not_exist(),
            )

    def remove_address(self, account_id: str, email: str) -> None:
        pk = f"ACCOUNT#{account_id}"
        with translated(_changed), transaction() as tx:
            tx.delete(_owner(email), condition=EmailItem.account_id == account_id)
            tx.delete(_listed(account_id, email), condition=AccountEmailItem.pk.exists())
            tx.condition_check(AccountItem, pk, "PROFILE", condition=AccountItem.primary_email != email)

    def slug_holder(self, slug: str) -> str | None:
        with translated():
            try:
                return SlugItem.get(f"SLUG#{slug}", "SLUG").account_id
            except SlugItem.DoesNotExist:
                return None

    def set_profile(
        self, account_id: str, *, public: bool, slug: str, old_slug: str | None, at: datetime
    ) -> None:
        taken = Taken("This public address is taken.")
        with translated(lambda: taken), transaction() as tx:
            if slug != old_slug:
                mine = SlugItem(f"SLUG#{slug}", "SLUG", account_id=account_id, created_at=at)
                tx.save(mine, condition=SlugItem.pk.does_not_exist())
                if old_slug:
                    tx.delete(
                        SlugItem(f"SLUG#{old_slug}", "SLUG"), condition=SlugItem.account_id == account_id
                    )
            tx.update(
                _profile(account_id),
                actions=[
                    AccountItem.public.set(public),
                    AccountItem.slug.set(slug),
                    AccountItem.updated_at.set(at),
                ],
                condition=AccountItem.pk.exists(),
            )

    def set_career_goals(self, account_id: str, text: str | None, *, at: datetime) -> None:
        action = AccountItem.career_goals.set(text) if text else AccountItem.career_goals.remove()
        with translated():
            _profile(account_id).update(actions=[action, AccountItem.updated_at.set(at)])

    def merge_record(self, into_id: str, old_id: str) -> MergeRecord | None:
        return merge.record(into_id, old_id)

    def close_for_merge(self, into_id: str, old_id: str, *, proof: str, email: str) -> None:
        merge.close(into_id, old_id, proof, email)

    def move_merge_step(self, record: MergeRecord) -> bool:
        return merge.step(record)

    def finish_merge(self, record: MergeRecord) -> None:
        merge.finish(record)

    def running_merges(self, into_id: str) -> list[MergeRecord]:
        return merge.running(into_id)


def _new_password(password_hash: str, at: datetime) -> list:
    """A new password ends every session and reset link: the epoch moves on."""
    return [
        AccountItem.password_hash.set(password_hash),
        AccountItem.session_epoch.add(1),
        AccountItem.updated_at.set(at),
    ]
