"""Ceremonies in the accounts table: CEREMONY#sha256(secret) / CEREMONY, dropped by TTL after its expiry.
Spending one is a single conditional DeleteItem that returns the item: of two racing requests, DynamoDB
lets one delete it and refuses the other."""

from __future__ import annotations

from chalicelib.errors import Changed, Taken
from chalicelib.store.ceremonies import Ceremony
from chalicelib.store.dynamo.models import CeremonyItem
from chalicelib.store.dynamo.translate import translated


def _key(secret_hash: str) -> str:
    return f"CEREMONY#{secret_hash}"


def _ceremony(item: CeremonyItem) -> Ceremony:
    return Ceremony(
        secret_hash=item.pk.removeprefix("CEREMONY#"),
        kind=item.kind,
        browser=item.browser,
        expires_at=int(item.expires_at),
        account_id=item.account_id,
        data={str(k): str(v) for k, v in (item.data or {}).items()},
    )


class Ceremonies:
    def put(self, ceremony: Ceremony) -> None:
        """One PutItem, only where no ceremony is."""
        item = CeremonyItem(
            _key(ceremony.secret_hash),
            "CEREMONY",
            kind=ceremony.kind,
            browser=ceremony.browser,
            account_id=ceremony.account_id,
            data=dict(ceremony.data),
            expires_at=ceremony.expires_at,
            ttl=ceremony.expires_at,
        )
        with translated(lambda: Taken("This ceremony secret is in use.")):
            item.save(condition=CeremonyItem.pk.does_not_exist())

    def get(self, secret_hash: str) -> Ceremony | None:
        """One GetItem (consistent: a ceremony taken a moment ago is gone)."""
        with translated():
            try:
                return _ceremony(CeremonyItem.get(_key(secret_hash), "CEREMONY", consistent_read=True))
            except CeremonyItem.DoesNotExist:
                return None

    def take(self, secret_hash: str) -> Ceremony | None:
        """One DeleteItem returning what it deleted; None when another request deleted it first."""
        connection = CeremonyItem._get_connection()
        try:
            with translated():
                answer = connection.delete_item(
                    _key(secret_hash),
                    "CEREMONY",
                    condition=CeremonyItem.pk.exists(),
                    return_values="ALL_OLD",
                )
        except Changed:
            return None
        return _ceremony(CeremonyItem.from_raw_data(answer["Attributes"]))
