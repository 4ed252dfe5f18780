"""What every PynamoDB model shares: pk/sk items, the region, indexes, connections and transactions."""

from __future__ import annotations

from pynamodb.attributes import (
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.config import get_settings


class _Meta:
    region = get_settings().region
    max_retry_attempts = 3


def _meta(table: str) -> type:
    return type("Meta", (_Meta,), {"table_name": table})


class _Item(Model):
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


def _index(name: str, hash_attr: str, range_attr: str, range_type=UnicodeAttribute) -> type:
    meta = type("Meta", (), {"index_name": name, "projection": AllProjection()})
    attrs = {
        "Meta": meta,
        hash_attr: UnicodeAttribute(hash_key=True),
        range_attr: range_type(range_key=True),
    }
    return type(f"{name}_index", (GlobalSecondaryIndex,), attrs)


_transactions: dict = {}


def forget_transactions() -> None:
    _transactions.clear()


def transaction():
    """A TransactWrite on a cached connection (up to 100 items, all or nothing)."""
    from pynamodb.connection import Connection
    from pynamodb.transactions import TransactWrite

    if "connection" not in _transactions:
        _transactions["connection"] = Connection(region=_Meta.region)
    return TransactWrite(connection=_transactions["connection"])
