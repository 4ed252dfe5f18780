"""Badge classes in memory; pages by issuer, newest first, with cursors of the same contract."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from chalicelib.errors import Changed, Invalid, Taken
from chalicelib.store.badge_classes import FIELDS, BadgeClass
from chalicelib.store.memory.base import Database


def _listing(badge: BadgeClass) -> str:
    return f"{badge.created_at.isoformat()}#{badge.id}"


def _bad_cursor() -> Invalid:
    return Invalid(
        "cursor is not one this API gave out.", errors=[{"field": "cursor", "detail": "is not valid"}]
    )


def _decode(cursor: str, issuer_id: str) -> str:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise _bad_cursor() from None
    if (
        not isinstance(key, dict)
        or key.get("issuer_id") != issuer_id
        or not isinstance(key.get("after"), str)
    ):
        raise _bad_cursor()
    return key["after"]


class BadgeClasses:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, badge: BadgeClass) -> BadgeClass:
        with self.db.transaction():
            badges = self.db.table("badge_classes")
            if badge.id in badges:
                raise Taken("A badge class with that id exists.")
            badges[badge.id] = badge
        return badge

    def get(self, badge_id: str) -> BadgeClass | None:
        return self.db.table("badge_classes").get(badge_id)

    def get_many(self, badge_ids: Iterable[str]) -> dict[str, BadgeClass]:
        badges = self.db.table("badge_classes")
        return {i: badges[i] for i in set(badge_ids) if i in badges}

    def patch(self, badge: BadgeClass, changes: Mapping[str, object], at: datetime) -> BadgeClass:
        values = {name: changes[name] for name in FIELDS if name in changes}
        for name in ("tags", "alignment"):
            if name in values:
                values[name] = tuple(values[name] or ())
        with self.db.transaction():
            badges = self.db.table("badge_classes")
            current = badges.get(badge.id)
            if current is None or (current.issuer_id, current.updated_at) != (
                badge.issuer_id,
                badge.updated_at,
            ):
                raise Changed("The badge class changed meanwhile.")
            badges[badge.id] = replace(current, updated_at=at, **values)
            return badges[badge.id]

    def page(self, issuer_id: str, *, limit: int, cursor: str | None) -> tuple[list[BadgeClass], str | None]:
        after = _decode(cursor, issuer_id) if cursor else None
        mine = sorted(
            (b for b in self.db.table("badge_classes").values() if b.issuer_id == issuer_id),
            key=_listing,
            reverse=True,
        )
        if after is not None:
            mine = [b for b in mine if _listing(b) < after]
        items = mine[:limit]
        if len(mine) <= limit:  # DynamoDB may also end on an empty page; callers take both
            return items, None
        key = {"issuer_id": issuer_id, "after": _listing(items[-1])}
        return items, base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
