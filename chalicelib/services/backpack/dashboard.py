"""The earner's dashboard: the most recent badge, counts by status, recent events, career goals.

Events are derived from each award's own fields, not from an event log: "awarded" at issued_on (the date the
issuer gave, which may be long before the award reached Laurel);
"accepted", "rejected" or "revoked" at updated_at when the award is in that state; "expired" at expires.
So only the latest change of each award is known, and a later edit that touches updated_at (a privacy
toggle, a resend) moves that change's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.errors import Invalid
from chalicelib.services.backpack import shelf
from chalicelib.services.shared import ids

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.accounts import Account
    from chalicelib.store.awards import Award

MAX_GOALS = 2000
RECENT_EVENTS = 10
RECENT = 500  # awards per address the events are read from (the window the backpack's old cap gave)
VERBS = {
    "awarded": "You were awarded",
    "accepted": "You accepted",
    "rejected": "You rejected",
    "revoked": "The issuer revoked",
    "expired": "Expired:",
}


@dataclass
class Event:
    kind: str
    at: datetime
    badge: shelf.BackpackBadge

    @property
    def verb(self) -> str:
        return VERBS[self.kind]


@dataclass
class Dashboard:
    latest: shelf.BackpackBadge | None
    counts: dict[str, int]
    total: int
    events: list[Event]


def _events(item: Award, state: str, at: datetime) -> list[tuple[str, datetime]]:
    found = [("awarded", item.issued_on)]
    if state in ("accepted", "rejected", "revoked"):  # awards start pending: this state came later
        found.append((state, item.updated_at))
    if item.expires is not None and item.expires <= at and item.state != "revoked":
        found.append(("expired", item.expires))
    return found


def build(account: Any, *, store: Store) -> Dashboard:
    """Everything the dashboard shows in a bounded number of calls: the counts and the expired awards,
    the newest RECENT awards per address, one BatchGet for the (at most 11) badges shown."""
    found = store.shelves.overview(shelf.addresses(account, store=store), at=ids.now(), recent=RECENT)
    at = found.at
    latest = next((a for a in found.newest if a.status(at) in ("accepted", "pending")), None)
    seen = {a.id: a for a in (*found.newest, *found.expired)}
    dated = [(kind, when, a) for a in seen.values() for kind, when in _events(a, a.status(at), at)]
    dated.sort(key=lambda e: (e[1], e[0] != "awarded"), reverse=True)  # a change after its award
    dated = dated[:RECENT_EVENTS]
    wanted = {a.id: a for _, _, a in dated} | ({latest.id: latest} if latest else {})
    described = {b.id: b for b in shelf.describe(list(wanted.values()), at, store=store)}
    return Dashboard(
        latest=described[latest.id] if latest else None,
        counts=dict(found.counts),
        total=sum(found.counts.values()),
        events=[Event(kind, when, described[a.id]) for kind, when, a in dated],
    )


def read_goals(form: dict) -> str:
    """The posted career goals: line breaks normalised, at most MAX_GOALS characters; Invalid otherwise."""
    value = form.get("career_goals")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(value, str) else ""
    if len(text) > MAX_GOALS:
        raise _invalid(f"Keep your career goals to {MAX_GOALS:,} characters; this is {len(text):,}.")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise _invalid("Career goals cannot hold control characters.")
    return text


def _invalid(message: str) -> Invalid:
    return Invalid(message, errors=[{"field": "career_goals", "detail": message}])


def save_goals(account: Account, text: str, *, store: Store) -> None:
    """Store (or clear) the account's career goals (the profile is the accounts repository's)."""
    store.accounts.set_career_goals(account.id, text or None, at=ids.now())
