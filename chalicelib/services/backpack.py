"""An earner's badges: listing by verified address, accept, reject, recover."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import UpdateError

from chalicelib.services import accounts, awards, hosting, ids
from chalicelib.services.errors import Conflict, NotFound
from chalicelib.store.models import AccountItem, AssertionItem, BadgeClassItem, EmailItem, IssuerItem

PAGE = 100
MAX_PER_ADDRESS = 500  # bounded: at most 5 Query pages per address


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
        return hosting.badge_image_url(self.badge.id, self.badge.image_key) if self.badge else None

    @property
    def public_url(self) -> str:
        return hosting.assertion_url(self.assertion.id)


def _awards_to(email: str) -> list[AssertionItem]:
    """Awards to one address, newest first, paginated and capped."""
    found: list[AssertionItem] = []
    cursor = None
    while len(found) < MAX_PER_ADDRESS:
        result = AssertionItem.by_recipient.query(
            email,
            filter_condition=AssertionItem.state != "erased",
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
    """BatchGet by (pk, sk), keyed by the item's id."""
    return {item.id: item for item in model.batch_get(list(keys))} if keys else {}


def list_badges(account: AccountItem) -> list[BackpackBadge]:
    """Every badge awarded to the account's verified addresses, newest first."""
    items = [a for email in accounts.verified_addresses(account) for a in _awards_to(email)]
    items.sort(key=lambda a: a.listing, reverse=True)
    badges = _lookup(BadgeClassItem, {(f"BADGE#{a.badge_id}", "BADGE") for a in items})
    issuers = _lookup(IssuerItem, {(f"ISSUER#{a.issuer_id}", "PROFILE") for a in items})
    at = ids.now()
    return [
        BackpackBadge(a, badges.get(a.badge_id), issuers.get(a.issuer_id), awards.status(a, at))
        for a in items
    ]


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
    try:
        item.update(
            actions=[AssertionItem.state.set(to), AssertionItem.updated_at.set(ids.now())],
            condition=AssertionItem.state.is_in(*allowed),
        )
    except UpdateError:
        raise Conflict("This badge changed meanwhile; reload the page.") from None
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
