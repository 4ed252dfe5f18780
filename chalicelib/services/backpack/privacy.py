"""Who sees what: badges and profiles are private until their owner makes them public.

Only the owner (an account holding the verified address a badge was awarded to) changes a badge;
another account gets the same NotFound as a badge that does not exist. The hosted Open Badges JSON
is not affected by any of this: it never names the earner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from chalicelib.errors import Changed, Conflict, LaurelError, NotFound, Taken
from chalicelib.services.backpack import sharing, shelf
from chalicelib.services.earners import accounts
from chalicelib.services.shared import ids, urls

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.accounts import Account
    from chalicelib.store.awards import Award
    from chalicelib.store.badge_classes import BadgeClass
    from chalicelib.store.issuers import Issuer

SHAREABLE = ("accepted",)  # what may be made public
SHOWN = ("accepted", "expired", "revoked")  # what a public page shows (a revoked badge says so)
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
RESERVED = {"admin", "api", "badges", "embed", "laurel", "login", "public", "settings", "support", "u"}


class PrivateBadge(LaurelError):
    """The badge exists but its owner keeps it private: say only that."""

    status = 404
    title = "This badge is private"


class PrivateProfile(LaurelError):
    status = 404
    title = "No public profile here"


# --- badges --------------------------------------------------------------------------------------


def set_badge_public(account: Account, assertion_id: str, public: bool, *, store: Store) -> Award:
    """Make one of the account's badges public (accepted ones only) or private (always allowed)."""
    item = shelf.owned(account, assertion_id, store=store)
    status = item.status(ids.now())
    if public and status not in SHAREABLE:
        raise Conflict(f"This badge is {status}; only an accepted badge can be made public.")
    if item.public == public:
        return item
    try:
        return store.awards.set_public(item, public, at=ids.now())
    except Changed:
        raise NotFound(f"No badge {assertion_id} in your backpack.") from None


def is_shown(item: Award) -> bool:
    return bool(item.public) and item.status(ids.now()) in SHOWN


def shared(item: Award, badge: BadgeClass, issuer: Issuer) -> sharing.Shared:
    return sharing.Shared(
        assertion_id=item.id,
        name=badge.name,
        description=badge.description,
        issuer_name=issuer.name,
        issued_on=item.issued_on,
        expires=item.expires,
        image_url=urls.badge_image_url(badge.id, badge.image_key),
    )


@dataclass
class PublicBadge:
    """A public badge as anyone sees it."""

    assertion: Award
    badge: BadgeClass
    issuer: Issuer
    status: str
    earner_name: str | None
    profile_slug: str | None
    shared: sharing.Shared


def _owner(item: Award, *, store: Store) -> Account | None:
    email = accounts.owner_of(item.recipient_email, store=store) if item.recipient_email else None
    return accounts.get_account(email.account_id, store=store) if email and email.verified else None


def public_badge(assertion_id: str, *, store: Store) -> PublicBadge:
    """The badge for its public page; NotFound when unknown, PrivateBadge when not public."""
    item = store.awards.get(assertion_id) if ids.plausible_id(assertion_id) else None
    if item is None or item.state == "erased":
        raise NotFound(f"No assertion {assertion_id}.")
    owner = _owner(item, store=store) if is_shown(item) else None
    if owner is None:  # private, or its address left the account that published it
        raise PrivateBadge("Its owner has not made it public.")
    badge, issuer = shelf.class_and_issuer(item, store=store)
    name = f"{owner.first_name} {owner.last_name}".strip()
    slug = owner.slug if owner.public else None
    status = item.status(ids.now())
    return PublicBadge(item, badge, issuer, status, name, slug, shared(item, badge, issuer))


# --- profiles ------------------------------------------------------------------------------------


def suggested_slug(account: Account) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", f"{account.first_name} {account.last_name}".lower()).strip("-")
    words = re.sub(r"-+", "-", words[:30]).strip("-") or "earner"
    suffix = re.sub(r"[^a-z0-9]", "", account.id.lower())[-5:]
    return f"{words}-{suffix}"


def read_profile_form(form: dict, account: Account) -> tuple[bool, str]:
    """(public, slug) from the form; Invalid naming the field when the slug is unusable."""
    public = form.get("public") == "1"
    raw = form.get("slug")
    slug = (raw if isinstance(raw, str) else "").strip().lower() or account.slug or suggested_slug(account)
    if not SLUG.match(slug) or "--" in slug:
        raise accounts.field_errors(
            {"slug": "Use 3 to 40 lower-case letters, digits and single hyphens, not at either end."}
        )
    if slug in RESERVED:
        raise accounts.field_errors({"slug": "That address is reserved; choose another."})
    return public, slug


def _slug_taken() -> LaurelError:
    return accounts.field_errors({"slug": "That address is taken; choose another."})


def set_profile(account: Account, public: bool, slug: str, *, store: Store) -> Account:
    """Set the profile's visibility and its /u/{slug}; a slug belongs to one account (conditional put)."""
    at = ids.now()
    try:  # the slug's holding and the profile are the accounts repository's (store.accounts)
        store.accounts.set_profile(account.id, public=public, slug=slug, old_slug=account.slug, at=at)
    except Taken:
        raise _slug_taken() from None
    return replace(account, public=public, slug=slug, updated_at=at)


def profile_account(slug: str, *, store: Store) -> Account:
    """The account behind a public profile; PrivateProfile when unknown or private (indistinguishable)."""
    missing = PrivateProfile("This profile does not exist or is private.")
    slug = (slug or "").lower()
    if not SLUG.match(slug):
        raise missing
    holder = store.accounts.slug_holder(slug)
    if holder is None:
        raise missing
    account = accounts.get_account(holder, store=store)
    if account is None or not account.public or account.slug != slug:
        raise missing
    return account


def public_badges(account: Account, *, store: Store) -> list[shelf.BackpackBadge]:
    """The account's badges that anyone may see, newest first."""
    return [
        b for b in shelf.list_badges(account, store=store) if b.badge and b.issuer and is_shown(b.assertion)
    ]
