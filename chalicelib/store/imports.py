"""Badges from elsewhere kept in an earner's backpack: one ImportedBadge per account and badge id.

A badge is known by the SHA-256 of its id (`digest`), so importing the same badge twice keeps one:
`add` refuses with Taken when the account already holds that digest. The rules (what is verified, what
is kept, where large text goes) are in services/backpack/imports.py; files live in `store.images`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ImportedBadge:
    """What was kept of an imported badge. The original input is `source` (a URL, or JSON/JWS text) or
    the file `source_key` (a baked image, or text too long for a record); `document` / `document_key` is
    the badge's JSON (or JWS) as read at import. The display fields are what the verifier read: shown
    marked "imported", never trusted."""

    account_id: str
    digest: str
    badge_id: str
    source_kind: str  # url | json | jws | png | svg
    matched_email: str
    imported_at: datetime
    source: str | None = None
    source_key: str | None = None
    document: str | None = None
    document_key: str | None = None
    version: str | None = None  # 2.0-hosted | 2.0-signed | 3.0
    name: str | None = None
    description: str | None = None
    issuer_name: str | None = None
    issuer_id: str | None = None
    image: str | None = None
    issued_on: str | None = None
    expires: str | None = None


class ImportRepository(Protocol):
    def add(self, badge: ImportedBadge) -> None:
        """Keep the badge; Taken (nothing written) when the account already holds one with its digest."""
        ...

    def get(self, account_id: str, digest: str) -> ImportedBadge | None:
        """The account's imported badge with this digest, or None (also for another account's)."""
        ...

    def newest(self, account_id: str, *, limit: int) -> list[ImportedBadge]:
        """Up to `limit` of the account's imported badges, newest first (past the limit, the first ones
        by digest: one bounded read, not all of them)."""
        ...

    def delete(self, account_id: str, digest: str) -> None:
        """Forget the badge; nothing when it is already gone."""
        ...
