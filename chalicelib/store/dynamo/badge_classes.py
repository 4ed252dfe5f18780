"""Badge classes in the badges table: pk BADGE#id / sk BADGE, listed by issuer through the by_issuer
index (listing BADGE#created#id, read newest first)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from chalicelib.errors import Changed, Taken
from chalicelib.store import cursors
from chalicelib.store.badge_classes import FIELDS, BadgeClass
from chalicelib.store.dynamo.models import BadgeClassItem
from chalicelib.store.dynamo.translate import translated


def badge_pk(badge_id: str) -> str:
    return f"BADGE#{badge_id}"


def _value(item: BadgeClassItem) -> BadgeClass:
    return BadgeClass(
        id=item.id,
        issuer_id=item.issuer_id,
        name=item.name,
        description=item.description,
        image_key=item.image_key,
        created_at=item.created_at,
        updated_at=item.updated_at,
        criteria_narrative=item.criteria_narrative,
        criteria_url=item.criteria_url,
        tags=tuple(item.tags or ()),
        alignment=tuple(item.alignment or ()),
        expires_after=item.expires_after,
    )


def _stored(name: str, value: object) -> object:
    return list(value or ()) if name in ("tags", "alignment") else value  # PynamoDB lists, never tuples


def _item(badge: BadgeClass) -> BadgeClassItem:
    return BadgeClassItem(
        badge_pk(badge.id),
        "BADGE",
        id=badge.id,
        issuer_id=badge.issuer_id,
        listing=f"BADGE#{badge.created_at.isoformat()}#{badge.id}",
        created_at=badge.created_at,
        updated_at=badge.updated_at,
        **{name: _stored(name, getattr(badge, name)) for name in FIELDS},
    )


class BadgeClasses:
    def create(self, badge: BadgeClass) -> BadgeClass:
        with translated(lambda: Taken("A badge class with that id exists.")):
            _item(badge).save(condition=BadgeClassItem.pk.does_not_exist())
        return badge

    def get(self, badge_id: str) -> BadgeClass | None:
        with translated():
            try:
                return _value(BadgeClassItem.get(badge_pk(badge_id), "BADGE"))
            except BadgeClassItem.DoesNotExist:
                return None

    def get_many(self, badge_ids: Iterable[str]) -> dict[str, BadgeClass]:
        keys = sorted({(badge_pk(i), "BADGE") for i in badge_ids})
        with translated():
            return {item.id: _value(item) for item in BadgeClassItem.batch_get(keys)} if keys else {}

    def patch(self, badge: BadgeClass, changes: Mapping[str, object], at: datetime) -> BadgeClass:
        actions = [getattr(BadgeClassItem, n).set(_stored(n, changes[n])) for n in FIELDS if n in changes]
        item = BadgeClassItem(badge_pk(badge.id), "BADGE")
        unchanged = (BadgeClassItem.issuer_id == badge.issuer_id) & (
            BadgeClassItem.updated_at == badge.updated_at
        )
        with translated(lambda: Changed("The badge class changed meanwhile.")):
            item.update(actions=[*actions, BadgeClassItem.updated_at.set(at)], condition=unchanged)
        return _value(item)

    def page(self, issuer_id: str, *, limit: int, cursor: str | None) -> tuple[list[BadgeClass], str | None]:
        start = cursors.decode(cursor)
        cursors.check(start, "issuer_id", issuer_id, "listing")
        with translated():
            result = BadgeClassItem.by_issuer.query(
                issuer_id,
                BadgeClassItem.listing.startswith("BADGE#"),
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
            )
            items = [_value(item) for item in result]
        return items, cursors.encode(result.last_evaluated_key)
