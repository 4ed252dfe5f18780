"""Opt-outs in the accounts table: OPTOUT#addr (what a single notice checks: one GetItem) plus the
address's 64-bit hash in one of 16 digest shards (pk OPTOUT, sk DIGEST#<hex digit>), written together,
so a bulk job checks all its recipients with one BatchGet of at most 16 shards."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from chalicelib.store.dynamo.models import OptOutDigestItem, OptOutItem, transaction
from chalicelib.store.dynamo.translate import translated


def _hash(email: str) -> str:
    return hashlib.sha256(f"optout:{email}".encode()).hexdigest()[:16]


def _shard(email: str) -> OptOutDigestItem:
    return OptOutDigestItem("OPTOUT", f"DIGEST#{_hash(email)[0]}")


def _item(address: str, **values) -> OptOutItem:
    return OptOutItem(f"OPTOUT#{address}", "OPTOUT", **values)


class OptOuts:
    def opt_out(self, email: str, *, at: datetime) -> None:
        with translated():
            try:
                with transaction() as tx:
                    tx.save(_item(email, email=email, created_at=at))
                    tx.update(_shard(email), actions=[OptOutDigestItem.hashes.add({_hash(email)})])
            except Exception:  # a concurrent click on the same link won: fine
                if not self.is_opted_out(email):
                    raise

    def opt_in(self, email: str) -> None:
        with translated(), transaction() as tx:
            tx.delete(_item(email))
            tx.update(_shard(email), actions=[OptOutDigestItem.hashes.delete({_hash(email)})])

    def is_opted_out(self, email: str) -> bool:
        with translated():
            try:
                _item(email).refresh()
            except OptOutItem.DoesNotExist:
                return False
            return True

    def opted_out_among(self, emails: Iterable[str]) -> set[str]:
        emails = list(emails)
        if not emails:
            return set()
        keys = [("OPTOUT", f"DIGEST#{d}") for d in sorted({_hash(e)[0] for e in emails})]
        hashes: set[str] = set()
        with translated():
            for shard in OptOutDigestItem.batch_get(keys):
                hashes |= shard.hashes or set()
        return {e for e in emails if _hash(e) in hashes}
