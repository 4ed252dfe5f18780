"""An earner's badges: listing by verified address, tabs by derived status, accept, reject, recover.

Cost of one backpack page: one Query page (100 awards) per verified address, at most 500 an address,
then one BatchGet of the badge classes and issuers of the (at most 50) badges shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.errors import Changed, Conflict, NotFound
from chalicelib.services.earners import accounts
from chalicelib.services.shared import ids, urls
from chalicelib.store import given
from chalicelib.store.shelves import TABS, first_tab

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.awards import Award
    from chalicelib.store.badge_classes import BadgeClass
    from chalicelib.store.issuers import Issuer

PAGE = 100
MAX_PER_ADDRESS = 500  # bounded: at most 5 Query pages per address
PER_TAB = 50
TAB_LABELS = {
    "pending": "Pending",
    "accepted": "Accepted",
    "expired": "Expired",
    "revoked": "Revoked",
    "rejected": "Rejected",
}


@dataclass
class BackpackBadge:
    """One award as the earner sees it."""

    assertion: Award
    badge: BadgeClass | None
    issuer: Issuer | None
    status: str

    @property
    def id(self) -> str:
        return self.assertion.id

    @property
    def image(self) -> str | None:
        return urls.badge_image_url(self.badge.id, self.badge.image_key) if self.badge else None

    @property
    def public_url(self) -> str:
        return urls.assertion_url(self.assertion.id)

    @property
    def detail_url(self) -> str:
        return f"/backpack/{self.assertion.id}"


def addresses(account: Any) -> list[str]:
    """The account's verified addresses: its badges are the awards to them."""
    return accounts.verified_addresses(account)


def _awards_to(email: str, *, public_only: bool = False, store: Store) -> list[Award]:
    """Awards to one address, newest first, paginated and capped."""
    found: list[Award] = []
    cursor = None
    while len(found) < MAX_PER_ADDRESS:
        page, cursor = store.awards.to(email, public_only=public_only, limit=PAGE, cursor=cursor)
        found.extend(page)
        if not cursor:
            break
    return found


def public_awards_to(email: str, *, store: Store | None = None) -> list[Award]:
    """The address's public awards (capped like the backpack)."""
    return _awards_to(email, public_only=True, store=given(store))  # earners/addresses passes none yet


def _all_awards(account: Any, *, store: Store) -> tuple[list[Award], bool]:
    """Awards to every verified address, newest first; and whether an address hit the cap."""
    items: list[Award] = []
    capped = False
    for email in addresses(account):
        found = _awards_to(email, store=store)
        capped |= len(found) >= MAX_PER_ADDRESS
        items.extend(found)
    items.sort(key=lambda a: a.listing, reverse=True)
    return items, capped


def describe(items: list[Award], at: datetime | None = None, *, store: Store) -> list[BackpackBadge]:
    """Badge classes and issuers for these awards in one read, never one GetItem per badge."""
    badges, issuers = store.shelves.describe(items)
    at = at or ids.now()
    return [BackpackBadge(a, badges.get(a.badge_id), issuers.get(a.issuer_id), a.status(at)) for a in items]


def class_and_issuer(award: Award, *, store: Store) -> tuple[BadgeClass, Issuer]:
    """One award's badge class and issuer in one read; NotFound when either is gone."""
    classes, issuers = store.shelves.describe([award])
    badge, issuer = classes.get(award.badge_id), issuers.get(award.issuer_id)
    if badge is None:
        raise NotFound(f"No badge class {award.badge_id}.")
    if issuer is None:
        raise NotFound(f"No issuer {award.issuer_id}.")
    return badge, issuer


def list_badges(account: Any, *, store: Store) -> list[BackpackBadge]:
    """Every badge awarded to the account's verified addresses, newest first."""
    return describe(_all_awards(account, store=store)[0], store=store)


@dataclass
class Awards:
    """All of an earner's awards with their derived status (no badge classes or issuers yet)."""

    items: list[tuple[Award, str]]
    capped: bool
    at: datetime

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(TABS, 0)
        for _, state in self.items:
            if state in counts:
                counts[state] += 1
        return counts

    def in_tab(self, tab: str) -> list[Award]:
        return [item for item, state in self.items if state == tab]


def load(account: Any, *, store: Store) -> Awards:
    """One Query page (or a few) per verified address; statuses derived once, at one instant."""
    items, capped = _all_awards(account, store=store)
    at = ids.now()
    return Awards([(a, a.status(at)) for a in items], capped, at)


@dataclass
class Tab:
    name: str
    label: str
    count: int


@dataclass
class TabPage:
    """One tab of the backpack: its badges (at most PER_TAB), the tab bar, and the next page's cursor."""

    tab: str
    tabs: list[Tab]
    badges: list[BackpackBadge]
    after: str | None  # listing of the last badge shown, when there are more
    capped: bool
    first_page: bool


def pick_tab(requested: str | None, counts: dict[str, int]) -> str:
    """The asked-for tab; with none (or an unknown one), the first tab that holds badges."""
    return first_tab(requested, counts)


def tab_page(
    account: Any, requested: str | None = None, after: str | None = None, *, store: Store
) -> TabPage:
    """One page of one tab. `after` is the listing key of the previous page's last badge."""
    found = load(account, store=store)
    counts = found.counts()
    tab = pick_tab(requested, counts)
    items = found.in_tab(tab)
    if after:
        items = [a for a in items if a.listing < after]
    shown = items[:PER_TAB]
    more = shown[-1].listing if len(items) > PER_TAB else None
    return TabPage(
        tab=tab,
        tabs=[Tab(name, TAB_LABELS[name], counts[name]) for name in TABS],
        badges=describe(shown, found.at, store=store),
        after=more,
        capped=found.capped,
        first_page=not after,
    )


def owned(account: Any, assertion_id: str, *, store: Store) -> Award:
    """The award, if it went to one of the account's verified addresses; NotFound otherwise."""
    not_found = NotFound(f"No badge {assertion_id} in your backpack.")
    award = store.awards.get(assertion_id) if ids.plausible_id(assertion_id) else None
    if award is None or award.state == "erased" or not award.recipient_email:
        raise not_found
    owner = accounts.owner_of(award.recipient_email)
    if owner is None or owner.account_id != account.id or not owner.verified:
        raise not_found
    return award


MOVES = {  # what the earner may do, from which statuses
    "accept": ("accepted", ("pending",)),
    "reject": ("rejected", ("pending", "accepted")),
    "recover": ("pending", ("rejected",)),
}


def _move(account: Any, assertion_id: str, action: str, *, store: Store) -> Award:
    award = owned(account, assertion_id, store=store)
    to, allowed = MOVES[action]
    status = award.status(ids.now())
    if status not in allowed:
        raise Conflict(f"This badge is {status}; it cannot be {to} now.")
    try:
        return getattr(store.awards, action)(award, at=ids.now())
    except Changed:
        raise Conflict("This badge changed meanwhile; reload the page.") from None


def accept(account: Any, assertion_id: str, *, store: Store) -> Award:
    """pending → accepted."""
    return _move(account, assertion_id, "accept", store=store)


def reject(account: Any, assertion_id: str, *, store: Store) -> Award:
    """pending or accepted → rejected (recoverable)."""
    return _move(account, assertion_id, "reject", store=store)


def recover(account: Any, assertion_id: str, *, store: Store) -> Award:
    """rejected → pending: the earner undoes a rejection without asking anyone."""
    return _move(account, assertion_id, "recover", store=store)
