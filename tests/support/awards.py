"""Award values for the store's contract tests: one call makes a plausible award, each one newer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from chalicelib.openbadges.evidence import Evidence
from chalicelib.store.awards import Award, Remembered

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
_made = iter(range(1, 1_000_000))


def award(**changes) -> Award:
    n = next(_made)
    at = changes.pop("at", AT) + timedelta(seconds=n)
    award_id = changes.pop("id", f"award{n:05d}")
    value = Award(
        id=award_id,
        issuer_id="issuer1",
        badge_id="badge1",
        listing=f"{at.isoformat()}#{award_id}",
        issued_on=AT,
        image_key="badges/badge1.png",
        state="pending",
        notice="queued",
        created_at=at,
        updated_at=at,
        recipient_email="ada@example.org",
        recipient_name="Ada",
        salt="ab" * 16,
        identity="sha256$00",
        narrative="Did the work.",
        evidence=(Evidence(url="https://example.org/work"), Evidence(narrative="Notes")),
        holds_lock=True,
    )
    return replace(value, **changes)


def key(result_id: str, body: str = "same", operation: str | None = "POST /x") -> Remembered:
    return Remembered("issuer1", operation, "key-1", result_id, body, int(AT.timestamp()) + 86400)


def awarded(store, **changes) -> Award:
    value = award(**changes)
    store.awards.award_one(value, key=None, at=AT)
    return value
