"""Identities in the accounts table: IDENTITY#provider#sha256(subject) / IDENTITY says which account an
identity signs in to (a conditional put: one account at most) and holds the identity; ACCOUNT#id /
IDENTITY#provider#sha256(subject) lists it on the account. A link or unlink writes both and moves the
profile's `ways_in` in one transaction, so racing unlinks cannot leave an account nobody can enter."""

from __future__ import annotations

from datetime import datetime
from hashlib import sha256

from chalicelib.errors import Changed, Taken
from chalicelib.store.dynamo import ways_in
from chalicelib.store.dynamo.models import AccountIdentityItem, IdentityItem, transaction
from chalicelib.store.dynamo.translate import failed_at, translated
from chalicelib.store.identities import Identity

MOST = 20  # identities listed per account (one Query, one BatchGet)
TAKEN = "This sign-in is linked to an account already."
CHANGED = "The sign-in or the account changed meanwhile."


def identity_key(provider: str, subject: str) -> str:
    """The lookup's pk, and the listing's sk: the subject is hashed (any length, any characters)."""
    return f"IDENTITY#{provider}#{sha256(subject.encode()).hexdigest()}"


def identity_item(identity: Identity) -> IdentityItem:
    return IdentityItem(
        identity_key(identity.provider, identity.subject),
        "IDENTITY",
        account_id=identity.account_id,
        provider=identity.provider,
        subject=identity.subject,
        email=identity.email,
        created_at=identity.created_at,
        last_used_at=identity.last_used_at,
    )


def identity_listed(identity: Identity) -> AccountIdentityItem:
    return AccountIdentityItem(
        f"ACCOUNT#{identity.account_id}",
        identity_key(identity.provider, identity.subject),
        provider=identity.provider,
        created_at=identity.created_at,
    )


def _identity(item: IdentityItem) -> Identity:
    return Identity(
        provider=item.provider,
        subject=item.subject,
        account_id=item.account_id,
        created_at=item.created_at,
        email=item.email,
        last_used_at=item.last_used_at,
    )


class Identities:
    def owner(self, provider: str, subject: str) -> Identity | None:
        """One GetItem."""
        with translated():
            try:
                found = IdentityItem.get(identity_key(provider, subject), "IDENTITY", consistent_read=True)
            except IdentityItem.DoesNotExist:
                return None
        return _identity(found)

    def listing(self, account_id: str) -> list[Identity]:
        """One Query for the account's list, one BatchGetItem for the identities it points to."""
        pk = f"ACCOUNT#{account_id}"
        with translated():
            listed = AccountIdentityItem.query(
                pk, AccountIdentityItem.sk.startswith("IDENTITY#"), limit=MOST, page_size=MOST
            )
            keys = [(item.sk, "IDENTITY") for item in listed]
            found = [_identity(item) for item in IdentityItem.batch_get(keys)] if keys else []
        mine = [i for i in found if i.account_id == account_id]  # a merge may be moving it meanwhile
        return sorted(mine, key=lambda i: (i.provider, i.subject))

    def link(self, identity: Identity) -> None:
        """One TransactWriteItems: the lookup (Taken when there), the listing, the profile's count."""
        with translated(lambda: Changed(CHANGED)):
            try:
                with transaction() as tx:  # the lookup first: its refusal is read by place
                    tx.save(identity_item(identity), condition=IdentityItem.pk.does_not_exist())
                    tx.save(identity_listed(identity))
                    ways_in.one_more(tx, identity.account_id)
            except Exception as error:
                if failed_at(error, 0):
                    raise Taken(TAKEN) from None
                raise

    def unlink(self, account_id: str, provider: str, subject: str) -> None:
        """One TransactWriteItems: both items go, the count goes down unless it is the last way in."""
        key = identity_key(provider, subject)
        with translated(lambda: Changed(CHANGED)), transaction() as tx:
            tx.delete(IdentityItem(key, "IDENTITY"), condition=IdentityItem.account_id == account_id)
            tx.delete(AccountIdentityItem(f"ACCOUNT#{account_id}", key))
            ways_in.one_fewer(tx, account_id)

    def touch(self, provider: str, subject: str, *, at: datetime) -> None:
        """One UpdateItem (nothing when the identity is gone)."""
        item = IdentityItem(identity_key(provider, subject), "IDENTITY")
        try:
            with translated():
                item.update(actions=[IdentityItem.last_used_at.set(at)], condition=IdentityItem.pk.exists())
        except Changed:
            return
