"""An earner's badges: tabs by derived status, accept, reject, recover; every badge (export, profile).

A backpack page costs the same at 10 badges or 5,000 (store/shelves.py): per verified address one Query
for the counts and the expired awards and one for the tab's page, then one BatchGet of the badge classes
and issuers of the (at most 50) badges shown. Listing every badge (export, public profile) reads the
newest 500 per address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.errors import Changed, Conflict, NotFound
from chalicelib.services.earners import accounts
from chalicelib.services.shared import ids, urls
from chalicelib.store.shelves import TABS

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


def addresses(account: Any, *, store: Store) -> list[str]:
    """The account's verified addresses: its badges are the awards to them."""
    return accounts.verified_addresses(account, store=store)


def _awards_to(email: str, *, store: Store) -> list[Award]:
    """Awards to one address, newest first, paginated and capped."""
    found: list[Award] = []
    cursor = None
    while len(found) < MAX_PER_ADDRESS:
        page, cursor = store.awards.to(email, limit=PAGE, cursor=cursor)
        found.extend(page)
        if not cursor:
            break
    return found


def _all_awards(account: Any, *, store: Store) -> list[Award]:
    """Awards to every verified address (the newest 500 of each), newest first."""
    items = [award for email in addresses(account, store=store) for award in _awards_to(email, store=store)]
    return sorted(items, key=lambda a: a.listing, reverse=True)


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
    return describe(_all_awards(account, store=store), store=store)


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
    first_page: bool


def tab_page(
    account: Any, requested: str | None = None, after: str | None = None, *, store: Store
) -> TabPage:
    """One page of one tab (with none asked, the first holding badges), whatever the number of badges:
    the counts are kept per address and the page is read from its own index (store/shelves.py).
    `after` is the listing key of the previous page's last badge."""
    shelf = store.shelves.shelf(
        addresses(account, store=store), requested, at=ids.now(), after=after, limit=PER_TAB
    )
    return TabPage(
        tab=shelf.tab,
        tabs=[Tab(name, TAB_LABELS[name], shelf.counts[name]) for name in TABS],
        badges=[
            BackpackBadge(a, shelf.badge_classes.get(a.badge_id), shelf.issuers.get(a.issuer_id), shelf.tab)
            for a in shelf.awards
        ],
        after=shelf.after,
        first_page=not after,
    )


def owned(account: Any, assertion_id: str, *, store: Store) -> Award:
    """The award, if it went to one of the account's verified addresses; NotFound otherwise."""
    not_found = NotFound(f"No badge {assertion_id} in your backpack.")
    award = store.awards.get(assertion_id) if ids.plausible_id(assertion_id) else None
    if award is None or award.state == "erased" or not award.recipient_email:
        raise not_found
    owner = accounts.owner_of(award.recipient_email, store=store)
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
