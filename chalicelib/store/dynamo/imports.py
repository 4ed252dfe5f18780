"""Imported badges in the accounts table: pk ACCOUNT#<account id>, sk IMPORT#<digest>, written with a
condition so that one account holds one item per badge."""

from __future__ import annotations

import dataclasses

from chalicelib.errors import Taken
from chalicelib.store.dynamo.models import ImportedBadgeItem
from chalicelib.store.dynamo.translate import translated
from chalicelib.store.imports import ImportedBadge

PREFIX = "IMPORT#"
_FIELDS = [f.name for f in dataclasses.fields(ImportedBadge) if f.name != "account_id"]


def _keys(account_id: str, digest: str) -> tuple[str, str]:
    return f"ACCOUNT#{account_id}", PREFIX + digest


def _value(item: ImportedBadgeItem) -> ImportedBadge:
    return ImportedBadge(
        account_id=item.pk.removeprefix("ACCOUNT#"), **{n: getattr(item, n) for n in _FIELDS}
    )


class Imports:
    def add(self, badge: ImportedBadge) -> None:
        item = ImportedBadgeItem(
            *_keys(badge.account_id, badge.digest), **{n: getattr(badge, n) for n in _FIELDS}
        )
        with translated(lambda: Taken("This badge is already in the backpack.")):
            item.save(condition=ImportedBadgeItem.sk.does_not_exist())

    def get(self, account_id: str, digest: str) -> ImportedBadge | None:
        with translated():
            try:
                return _value(ImportedBadgeItem.get(*_keys(account_id, digest)))
            except ImportedBadgeItem.DoesNotExist:
                return None

    def newest(self, account_id: str, *, limit: int) -> list[ImportedBadge]:
        found: list[ImportedBadge] = []
        cursor = None
        with translated():
            while len(found) < limit:
                result = ImportedBadgeItem.query(
                    _keys(account_id, "")[0],
                    ImportedBadgeItem.sk.startswith(PREFIX),
                    limit=limit - len(found),
                    page_size=100,
                    last_evaluated_key=cursor,
                )
                found.extend(_value(item) for item in result)
                cursor = result.last_evaluated_key
                if not cursor:
                    break
        found.sort(key=lambda badge: badge.imported_at, reverse=True)
        return found

    def delete(self, account_id: str, digest: str) -> None:
        with translated():
            ImportedBadgeItem(*_keys(account_id, digest)).delete()
