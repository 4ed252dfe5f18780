"""An earner's badges: listing by verified address, tabs by derived status, accept, reject, recover.

Cost of one backpack page: one Query per verified address (100 awards a page, at most 500 an address),
then one BatchGet of badge classes and one of issuers for the (at most 50) badges shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.errors import Conflict, NotFound
from chalicelib.services.earners import accounts
from chalicelib.services.issuing import awards
from chalicelib.services.shared import ids, urls
from chalicelib.store import aws
from chalicelib.store.models import AccountItem, AssertionItem, BadgeClassItem, EmailItem, IssuerItem

PAGE = 100
MAX_PER_ADDRESS = 500  # bounded: at most 5 Query pages per address
PER_TAB = 50
TABS = ("pending", "accepted", "expired", "revoked", "rejected")
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

    assertion: AssertionItem
    badge: BadgeClassItem | None
    issuer: IssuerItem | None
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


def public_awards_to(email: str) -> list[AssertionItem]:
    """The address's public awards (capped like the backpack)."""
    return _awards_to(email, AssertionItem.public == True)  # noqa: E712


def _awards_to(email: str, only=None) -> list[AssertionItem]:
    """Awards to one address, newest first, paginated and capped."""
    found: list[AssertionItem] = []
    cursor = None
    condition = AssertionItem.state != "erased"
    while len(found) < MAX_PER_ADDRESS:
        result = AssertionItem.by_recipient.query(
            email,
            filter_condition=condition if only is None else condition & only,
            scan_index_forward=False,
            limit=PAGE,
            page_size=PAGE,
            last_evaluated_key=cursor,
        )
        found.extend(result)
        cursor = result.last_evaluated_key
        if not cursor:
            break
    return found


def _lookup(model, keys: set[tuple[str, str]]) -> dict:
    """One BatchGet by (pk, sk) (PynamoDB splits it at 100 keys), keyed by the item's id."""
    return {item.id: item for item in model.batch_get(list(keys))} if keys else {}


def _all_awards(account: AccountItem) -> tuple[list[AssertionItem], bool]:
    """Awards to every verified address, newest first; and whether an address hit the cap."""
    items: list[AssertionItem] = []
    capped = False
    for email in accounts.verified_addresses(account):
        found = _awards_to(email)
        capped |= len(found) >= MAX_PER_ADDRESS
        items.extend(found)
    items.sort(key=lambda a: a.listing, reverse=True)
    return items, capped


def describe(items: list[AssertionItem], at: datetime | None = None) -> list[BackpackBadge]:
    """Badge classes and issuers for these awards: one BatchGet per model, never one GetItem per badge."""
    badges = _lookup(BadgeClassItem, {(f"BADGE#{a.badge_id}", "BADGE") for a in items})
    issuers = _lookup(IssuerItem, {(f"ISSUER#{a.issuer_id}", "PROFILE") for a in items})
    at = at or ids.now()
    return [
        BackpackBadge(a, badges.get(a.badge_id), issuers.get(a.issuer_id), awards.status(a, at))
        for a in items
    ]


def list_badges(account: AccountItem) -> list[BackpackBadge]:
    """Every badge awarded to the account's verified addresses, newest first."""
    return describe(_all_awards(account)[0])


@dataclass
class Awards:
    """All of an earner's awards with their derived status (no badge classes or issuers yet)."""

    items: list[tuple[AssertionItem, str]]
    capped: bool
    at: datetime

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(TABS, 0)
        for _, state in self.items:
            if state in counts:
                counts[state] += 1
        return counts

    def in_tab(self, tab: str) -> list[AssertionItem]:
        return [item for item, state in self.items if state == tab]


def load(account: AccountItem) -> Awards:
    """One Query page (or a few) per verified address; statuses derived once, at one instant."""
    items, capped = _all_awards(account)
    at = ids.now()
    return Awards([(a, awards.status(a, at)) for a in items], capped, at)


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
    if requested in TABS:
        return requested
    return next((name for name in TABS if counts[name]), TABS[0])


def tab_page(account: AccountItem, requested: str | None = None, after: str | None = None) -> TabPage:
    """One page of one tab. `after` is the listing key of the previous page's last badge."""
    found = load(account)
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
        badges=describe(shown, found.at),
        after=more,
        capped=found.capped,
        first_page=not after,
    )


def owned(account: AccountItem, assertion_id: str) -> AssertionItem:
    """The award, if it went to one of the account's verified addresses; NotFound otherwise."""
    not_found = NotFound(f"No badge {assertion_id} in your backpack.")
    try:
        item = awards.get(None, assertion_id)
    except NotFound:
        raise not_found from None
    try:
        owner = EmailItem.get(f"EMAIL#{item.recipient_email}", "EMAIL")
    except EmailItem.DoesNotExist:
        raise not_found from None
    if owner.account_id != account.id or not owner.verified:
        raise not_found
    return item


def _move(account: AccountItem, assertion_id: str, to: str, allowed: tuple[str, ...]) -> AssertionItem:
    item = owned(account, assertion_id)
    if awards.status(item) not in allowed:
        raise Conflict(f"This badge is {awards.status(item)}; it cannot be {to} now.")
    with aws.refusing(lambda: Conflict("This badge changed meanwhile; reload the page.")):
        item.update(
            actions=[AssertionItem.state.set(to), AssertionItem.updated_at.set(ids.now())],
            condition=AssertionItem.state.is_in(*allowed),
        )
    return item


def accept(account: AccountItem, assertion_id: str) -> AssertionItem:
    """pending → accepted."""
    return _move(account, assertion_id, "accepted", ("pending",))


def reject(account: AccountItem, assertion_id: str) -> AssertionItem:
    """pending or accepted → rejected (recoverable)."""
    return _move(account, assertion_id, "rejected", ("pending", "accepted"))


def recover(account: AccountItem, assertion_id: str) -> AssertionItem:
    """rejected → pending: the earner undoes a rejection without asking anyone."""
    return _move(account, assertion_id, "pending", ("rejected",))
