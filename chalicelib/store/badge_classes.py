"""Badge classes: what an issuer awards (name, image, criteria, tags, alignment, expiry rule).

A badge class is listed by its issuer, newest first, a page at a time; the cursor between pages is an
opaque string the API hands out as `next_cursor` and takes back as `cursor`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class BadgeClass:
    id: str
    issuer_id: str
    name: str
    description: str
    image_key: str  # the stored image (S3 key); an SVG also has a PNG rendition beside it
    created_at: datetime
    updated_at: datetime
    criteria_narrative: str | None = None
    criteria_url: str | None = None
    tags: tuple[str, ...] = ()
    alignment: tuple[dict, ...] = field(default=())
    expires_after: dict | None = None


# What `patch` may change.
FIELDS = (
    "name",
    "description",
    "image_key",
    "criteria_narrative",
    "criteria_url",
    "tags",
    "alignment",
    "expires_after",
)


class BadgeClassRepository(Protocol):
    def create(self, badge: BadgeClass) -> BadgeClass:
        """Keep a new badge class; Taken if one has its id."""
        ...

    def get(self, badge_id: str) -> BadgeClass | None: ...

    def get_many(self, badge_ids: Iterable[str]) -> dict[str, BadgeClass]:
        """The badge classes that exist among `badge_ids`, by id (one batch read per 100)."""
        ...

    def patch(self, badge: BadgeClass, changes: Mapping[str, object], at: datetime) -> BadgeClass:
        """Set the FIELDS in `changes` and `updated_at`, if the class is still as `badge` was read
        (same `updated_at`, same issuer): Changed otherwise. The class as it now is."""
        ...

    def page(self, issuer_id: str, *, limit: int, cursor: str | None) -> tuple[list[BadgeClass], str | None]:
        """Up to `limit` of the issuer's classes, newest first, after `cursor`; and the cursor of the
        next page (None at the end). A cursor this store did not give for this issuer: Invalid."""
        ...
