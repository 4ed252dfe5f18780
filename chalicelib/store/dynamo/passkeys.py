"""Passkeys in the accounts table: PASSKEY#credential_id / PASSKEY holds the credential (its public key
and sign count) and says whose it is (a conditional put: one account); ACCOUNT#id / PASSKEY#credential_id
lists it on the account. An add or removal writes both and moves the profile's counts in one transaction
(ways_in.py); a sign-in moves the sign count on the credential alone, only from the count it read."""

from __future__ import annotations

import base64
from datetime import datetime

from chalicelib.errors import Changed, Taken
from chalicelib.store.dynamo import ways_in
from chalicelib.store.dynamo.models import AccountPasskeyItem, PasskeyItem, transaction
from chalicelib.store.dynamo.translate import failed_at, translated
from chalicelib.store.passkeys import Passkey

LISTED = 100  # a merge can bring more than the most an account may add; one BatchGetItem still reads them
TAKEN = "This passkey is registered already."
CHANGED = "The passkey or the account changed meanwhile."


def _key(credential_id: str) -> str:
    return f"PASSKEY#{credential_id}"


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _item(passkey: Passkey) -> PasskeyItem:
    return PasskeyItem(
        _key(passkey.credential_id),
        "PASSKEY",
        account_id=passkey.account_id,
        public_key=_encode(passkey.public_key),
        sign_count=passkey.sign_count,
        name=passkey.name,
        transports=list(passkey.transports),
        aaguid=passkey.aaguid,
        backed_up=passkey.backed_up,
        created_at=passkey.created_at,
        last_used_at=passkey.last_used_at,
    )


def _passkey(item: PasskeyItem) -> Passkey:
    return Passkey(
        credential_id=item.pk.removeprefix("PASSKEY#"),
        account_id=item.account_id,
        public_key=_decode(item.public_key),
        sign_count=int(item.sign_count or 0),
        name=item.name,
        created_at=item.created_at,
        transports=tuple(item.transports or ()),
        aaguid=item.aaguid or "",
        backed_up=bool(item.backed_up),
        last_used_at=item.last_used_at,
    )


class Passkeys:
    def get(self, credential_id: str) -> Passkey | None:
        """One GetItem."""
        with translated():
            try:
                return _passkey(PasskeyItem.get(_key(credential_id), "PASSKEY", consistent_read=True))
            except PasskeyItem.DoesNotExist:
                return None

    def listing(self, account_id: str) -> list[Passkey]:
        """One Query for the account's list, one BatchGetItem for the passkeys it points to."""
        with translated():
            listed = AccountPasskeyItem.query(
                f"ACCOUNT#{account_id}",
                AccountPasskeyItem.sk.startswith("PASSKEY#"),
                limit=LISTED,
                page_size=LISTED,
            )
            keys = [(item.sk, "PASSKEY") for item in listed]
            found = [_passkey(item) for item in PasskeyItem.batch_get(keys)] if keys else []
        mine = [p for p in found if p.account_id == account_id]  # a merge may be moving it meanwhile
        return sorted(mine, key=lambda p: (p.created_at, p.credential_id))

    def add(self, passkey: Passkey, *, most: int) -> None:
        """One TransactWriteItems: the credential (Taken when known), the listing, the profile's counts
        (Changed when `most` are kept already, or the account is closed or gone)."""
        listed = AccountPasskeyItem(
            f"ACCOUNT#{passkey.account_id}", _key(passkey.credential_id), created_at=passkey.created_at
        )
        with translated(lambda: Changed(CHANGED)):
            try:
                with transaction() as tx:  # the credential first: its refusal is read by place
                    tx.save(_item(passkey), condition=PasskeyItem.pk.does_not_exist())
                    tx.save(listed)
                    ways_in.one_more(tx, passkey.account_id, passkeys_below=most)
            except Exception as error:
                if failed_at(error, 0):
                    raise Taken(TAKEN) from None
                raise

    def used(self, credential_id: str, *, old_count: int, new_count: int, at: datetime) -> None:
        """One UpdateItem, only from the count that was read."""
        item = PasskeyItem(_key(credential_id), "PASSKEY")
        with translated(lambda: Changed(CHANGED)):
            item.update(
                actions=[PasskeyItem.sign_count.set(new_count), PasskeyItem.last_used_at.set(at)],
                condition=PasskeyItem.pk.exists() & (PasskeyItem.sign_count == old_count),
            )

    def rename(self, account_id: str, credential_id: str, name: str) -> None:
        """One UpdateItem, on the account's own passkey only."""
        item = PasskeyItem(_key(credential_id), "PASSKEY")
        with translated(lambda: Changed(CHANGED)):
            item.update(actions=[PasskeyItem.name.set(name)], condition=PasskeyItem.account_id == account_id)

    def remove(self, account_id: str, credential_id: str) -> None:
        """One TransactWriteItems: both items go, the counts go down unless it is the last way in."""
        key = _key(credential_id)
        with translated(lambda: Changed(CHANGED)), transaction() as tx:
            tx.delete(PasskeyItem(key, "PASSKEY"), condition=PasskeyItem.account_id == account_id)
            tx.delete(AccountPasskeyItem(f"ACCOUNT#{account_id}", key))
            ways_in.one_fewer(tx, account_id, passkey=True)
