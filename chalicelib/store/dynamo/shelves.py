"""The shelves on DynamoDB (the design is store/shelves.py): per address, one by_expiry Query for the
counts record and the expired awards, one by_shelf Query for a tab's page; one BatchGetItem for the
badge classes and issuers of what is shown."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime

from chalicelib.store.awards import Award
from chalicelib.store.badge_classes import BadgeClass
from chalicelib.store.counts import CAN_EXPIRE, COUNTED
from chalicelib.store.dynamo.award_items import award_of
from chalicelib.store.dynamo.badge_classes import _value as badge_class_value
from chalicelib.store.dynamo.badge_classes import badge_pk
from chalicelib.store.dynamo.counts import COUNTS
from chalicelib.store.dynamo.issuers import issuer_pk, issuer_value
from chalicelib.store.dynamo.models import AssertionItem, BadgeClassItem, IssuerItem, RecipientCountsItem
from chalicelib.store.dynamo.translate import translated
from chalicelib.store.issuers import Issuer
from chalicelib.store.shelves import Overview, Shelf, first_tab, tab_counts

BATCH = 100  # keys in one BatchGetItem


def _counts_and_expired(address: str, at: datetime) -> tuple[dict[str, int], list[Award]]:
    """One Query (another per further MB): the address's counts record heads its by_expiry partition,
    the awards whose expiry has passed follow it."""
    connection = AssertionItem._get_connection()
    counts: dict[str, int] = {}
    expired: list[Award] = []
    start = None
    while True:
        answer = connection.query(
            address, AssertionItem.expires <= at, index_name="by_expiry", exclusive_start_key=start
        )
        for raw in answer.get("Items", []):
            if raw["sk"]["S"] == COUNTS:
                record = RecipientCountsItem.from_raw_data(raw)
                counts = {state: int(getattr(record, state) or 0) for state in COUNTED}
            else:
                expired.append(award_of(AssertionItem.from_raw_data(raw)))
        start = answer.get("LastEvaluatedKey")
        if not start:
            return counts, expired


def _tally(addresses: Sequence[str], at: datetime) -> tuple[dict[str, int], list[Award]]:
    stored = dict.fromkeys(COUNTED, 0)
    expired: list[Award] = []
    for address in addresses:
        counts, found = _counts_and_expired(address, at)
        for state, n in counts.items():
            stored[state] += n
        expired += found
    return tab_counts(stored, expired), expired


def _on_shelf(address: str, state: str, at: datetime, after: str | None):
    """The address's awards in `state` that have not expired at `at`, newest first, lazily (no Limit:
    each call reads up to 1 MB)."""
    live = AssertionItem.expires.does_not_exist() | (AssertionItem.expires > at)
    return (
        award_of(item)
        for item in AssertionItem.by_shelf.query(
            f"{address}#{state}",
            AssertionItem.listing < after if after else None,
            filter_condition=live if state in CAN_EXPIRE else None,  # a revoked award never expires
            scan_index_forward=False,
        )
    )


def _newest(lists: Iterable[Iterable[Award]], limit: int) -> list[Award]:
    """The first `limit` of several newest-first lists, newest first."""
    merged = heapq.merge(*lists, key=lambda a: a.listing, reverse=True)
    return list(itertools.islice(merged, limit))


class Shelves:
    def shelf(
        self, addresses: Sequence[str], tab: str | None, *, at: datetime, after: str | None, limit: int
    ) -> Shelf:
        with translated():
            counts, expired = _tally(addresses, at)
            tab = first_tab(tab, counts)
            if tab == "expired":
                ordered = sorted(expired, key=lambda a: a.listing, reverse=True)
                found = [a for a in ordered if not after or a.listing < after][: limit + 1]
            else:
                found = _newest((_on_shelf(a, tab, at, after) for a in addresses), limit + 1)
            shown = found[:limit]
            classes, issuers = self.describe(shown)
        more = shown[-1].listing if len(found) > limit else None
        return Shelf(tab, counts, tuple(shown), more, at, classes, issuers)

    def overview(self, addresses: Sequence[str], *, at: datetime, recent: int) -> Overview:
        with translated():
            counts, expired = _tally(addresses, at)
            newest = []
            for address in addresses:
                newest += AssertionItem.by_recipient.query(
                    address, scan_index_forward=False, limit=recent, page_size=recent
                )
        awards = sorted((award_of(i) for i in newest), key=lambda a: a.listing, reverse=True)
        expired.sort(key=lambda a: (a.expires, a.listing), reverse=True)
        return Overview(counts, tuple(awards), tuple(expired), at)

    def describe(self, awards: Iterable[Award]) -> tuple[dict[str, BadgeClass], dict[str, Issuer]]:
        awards = list(awards)
        keys = {(badge_pk(a.badge_id), "BADGE") for a in awards}
        keys |= {(issuer_pk(a.issuer_id), "PROFILE") for a in awards}
        classes: dict[str, BadgeClass] = {}
        issuers: dict[str, Issuer] = {}
        with translated():
            for raw in _batch_get(sorted(keys)):
                if raw["sk"]["S"] == "BADGE":
                    badge = badge_class_value(BadgeClassItem.from_raw_data(raw))
                    classes[badge.id] = badge
                else:
                    issuer = issuer_value(IssuerItem.from_raw_data(raw))
                    issuers[issuer.id] = issuer
        return classes, issuers


def _batch_get(keys: list[tuple[str, str]]) -> list[dict]:
    """Badge classes and issuers (one table) in one BatchGetItem per 100 keys; unprocessed keys again."""
    connection = BadgeClassItem._get_connection()
    table = BadgeClassItem.Meta.table_name
    found: list[dict] = []
    waiting = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys]
    while waiting:
        batch, waiting = waiting[:BATCH], waiting[BATCH:]
        answer = connection.batch_get_item(batch)
        found += answer.get("Responses", {}).get(table, [])
        waiting += answer.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
    return found
