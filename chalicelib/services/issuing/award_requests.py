"""What an issuer asks for when awarding: one award body read and checked against its badge class, the
AwardRequest it becomes, the queue message a bulk row travels in, and the new Award it makes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.openbadges import ob2
from chalicelib.openbadges.evidence import Evidence
from chalicelib.services.issuing import expiry
from chalicelib.services.shared import ids
from chalicelib.services.shared.fields import Fields
from chalicelib.store.awards import Award

AWARD_FIELDS = {
    "recipient_email",
    "recipient_name",
    "issued_on",
    "expires",
    "narrative",
    "evidence",
    "notify",
    "allow_duplicate",
}
EVIDENCE_FIELDS = {"url", "narrative"}


@dataclass(frozen=True)
class AwardRequest:
    """A validated award: normalised email, resolved dates."""

    recipient_email: str
    recipient_name: str | None
    issued_on: datetime
    expires: datetime | None
    narrative: str | None
    evidence: tuple[Evidence, ...] = ()
    notify: bool = True
    allow_duplicate: bool = False

    def to_message(self) -> dict:
        """The request as JSON for a bulk batch on the queue (dates as ISO 8601)."""
        return {
            "recipient_email": self.recipient_email,
            "recipient_name": self.recipient_name,
            "issued_on": self.issued_on.isoformat(),
            "expires": self.expires.isoformat() if self.expires else None,
            "narrative": self.narrative,
            "evidence": [e.stored() for e in self.evidence],
            "notify": self.notify,
            "allow_duplicate": self.allow_duplicate,
        }

    @classmethod
    def from_message(cls, row: dict) -> AwardRequest:
        """The request a queue message carries (to_message's inverse)."""
        return cls(
            recipient_email=row["recipient_email"],
            recipient_name=row["recipient_name"],
            issued_on=datetime.fromisoformat(row["issued_on"]),
            expires=datetime.fromisoformat(row["expires"]) if row["expires"] else None,
            narrative=row["narrative"],
            evidence=tuple(Evidence.from_stored(e) for e in row["evidence"]),
            notify=row["notify"],
            allow_duplicate=row["allow_duplicate"],
        )


def read_award(
    body: object, badge: Any, at: datetime, *, where: str = ""
) -> tuple[AwardRequest | None, list]:
    """Validate one award body against its badge class; returns (request or None, errors)."""
    f = Fields(body, AWARD_FIELDS, where=where)
    email = f.email("recipient_email", required=True)
    name = f.string("recipient_name", max_len=200)
    issued_on = f.timestamp("issued_on") or at
    if issued_on > at:
        f.error("issued_on", "must not be in the future")
    expires = f.timestamp("expires")
    if expires is None and badge.expires_after:
        expires = expiry.add(issued_on, badge.expires_after)
    if expires is not None and expires <= issued_on:
        f.error("expires", "must be after issued_on")
    evidence = []
    for i, item in enumerate(f.objects("evidence", max_items=10)):
        inner = f.nested(item, EVIDENCE_FIELDS, where=f"{where}evidence[{i}].")
        narrative = inner.string("narrative", max_len=5000, multiline=True)
        entry = Evidence(url=inner.url("url") or None, narrative=narrative or None)
        if not (inner.has("url") or inner.has("narrative")):
            inner.error("", "needs a url or a narrative")
        evidence.append(entry)
    request = AwardRequest(
        recipient_email=email or "",
        recipient_name=name,
        issued_on=issued_on,
        expires=expires,
        narrative=f.string("narrative", max_len=10000, multiline=True),
        evidence=tuple(evidence),
        notify=f.boolean("notify", True),
        allow_duplicate=f.boolean("allow_duplicate", False),
    )
    return (None if f.errors else request), f.errors


def new_award(
    badge: Any,
    request: AwardRequest,
    at: datetime,
    *,
    award_id: str | None = None,
    job_id: str | None = None,
    job_row: int | None = None,
) -> Award:
    """The award a request makes (not yet stored): pending, its notice queued unless notify is off."""
    award_id = award_id or ids.new_id()
    salt = secrets.token_hex(16)
    return Award(
        id=award_id,
        issuer_id=badge.issuer_id,
        badge_id=badge.id,
        listing=f"{at.isoformat()}#{award_id}",
        recipient_email=request.recipient_email,
        recipient_name=request.recipient_name,
        salt=salt,
        identity=ob2.hashed_identity(request.recipient_email, salt),
        issued_on=request.issued_on,
        expires=request.expires,
        narrative=request.narrative,
        evidence=request.evidence,
        image_key=badge.image_key,
        state="pending",
        notice="queued" if request.notify else "none",
        holds_lock=not request.allow_duplicate,
        created_at=at,
        updated_at=at,
        job_id=job_id,
        job_row=job_row,
    )
