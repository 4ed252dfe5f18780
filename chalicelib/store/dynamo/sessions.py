"""Sessions in the accounts table: pk SESSION#sha256, sk SESSION, dropped by TTL at the absolute end."""

from __future__ import annotations

from chalicelib.store.dynamo.models import SessionItem
from chalicelib.store.dynamo.translate import translated
from chalicelib.store.sessions import Session


def _key(token_hash: str) -> SessionItem:
    return SessionItem(f"SESSION#{token_hash}", "SESSION")


def _session(item: SessionItem) -> Session:
    return Session(
        token_hash=item.pk.removeprefix("SESSION#"),
        account_id=item.account_id,
        epoch=int(item.epoch or 0),
        created_at=item.created_at,
        ttl=int(item.ttl),
        idle_until=None if item.idle_until is None else int(item.idle_until),
        signed_in_at=None if item.signed_in_at is None else int(item.signed_in_at),
        keep=bool(item.keep),
    )


class Sessions:
    def start(self, session: Session) -> None:
        item = _key(session.token_hash)
        item.account_id, item.epoch, item.created_at = session.account_id, session.epoch, session.created_at
        item.keep, item.signed_in_at = session.keep, session.signed_in_at
        item.idle_until, item.ttl = session.idle_until, session.ttl
        with translated():
            item.save()

    def get(self, token_hash: str) -> Session | None:
        with translated():
            try:
                return _session(SessionItem.get(f"SESSION#{token_hash}", "SESSION"))
            except SessionItem.DoesNotExist:
                return None

    def slide(self, token_hash: str, idle_until: int) -> None:
        with translated():
            _key(token_hash).update(
                actions=[SessionItem.idle_until.set(idle_until)], condition=SessionItem.pk.exists()
            )

    def confirm(self, token_hash: str, *, signed_in_at: int, idle_until: int) -> None:
        with translated():
            _key(token_hash).update(
                actions=[SessionItem.signed_in_at.set(signed_in_at), SessionItem.idle_until.set(idle_until)],
                condition=SessionItem.pk.exists(),
            )

    def end(self, token_hash: str) -> None:
        with translated():
            _key(token_hash).delete()
