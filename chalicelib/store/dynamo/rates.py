"""Rate-limit counters in the accounts table: pk RATE#<key>, sk <window start>, expired by TTL."""

from __future__ import annotations

import contextlib

from chalicelib.errors import Changed
from chalicelib.store.dynamo.models import RateItem
from chalicelib.store.dynamo.translate import translated


def _item(key: str, window: int) -> RateItem:
    return RateItem(f"RATE#{key}", str(window))


class Rates:
    def count(self, key: str, window: int, *, expires_at: int) -> int:
        item = _item(key, window)
        with translated():
            item.update(actions=[RateItem.count.add(1), RateItem.ttl.set(expires_at)])  # one UpdateItem
        return item.count

    def uncount(self, key: str, window: int) -> None:
        with contextlib.suppress(Changed), translated():
            _item(key, window).update(actions=[RateItem.count.add(-1)], condition=RateItem.count > 0)

    def clear(self, key: str, window: int) -> None:
        with translated():
            _item(key, window).delete()
