"""An account's email addresses: add (verified by code or link), make primary, remove.

An address belongs to one account (store.accounts: written conditionally); the account lists its
addresses. Badges are awarded to addresses, so a verified
address brings every badge ever awarded to it into the backpack. An address verified on another account
can only come over by merging that account (services/earners/merge.py). An unverified address is only a hold:
it blocks nobody (adding or registering it takes the hold over), and it is confirmed only by the code
or link mailed to it, inside a session of the account that asked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.errors import Changed, Conflict, Forbidden, Invalid, NotFound
from chalicelib.services.earners import activation
from chalicelib.services.shared import fields, ids, mailer, onetime, ratelimit

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.accounts import Account, AccountEmail, Email
    from chalicelib.store.codes import OneTimeToken

MAX_ADDRESSES = 10
VERIFY_PATH = "/settings/emails/verify"


@dataclass
class Added:
    """What adding an address did: "sent" (a code and link went out), "pending" (already waiting),
    "mine" (already verified here) or "other" (another account holds it: a merge is needed)."""

    outcome: str
    email: str


def _invalid(field: str, detail: str) -> Invalid:
    return Invalid(detail, errors=[{"field": field, "detail": detail}])


def listing(account: Account, *, store: Store) -> list[AccountEmail]:
    """The account's addresses, primary first, then verified, then by address (one consistent Query)."""
    items = store.accounts.addresses(account.id, consistent=True)
    return sorted(items, key=lambda i: (i.email != account.primary_email, not i.verified, i.email))


def _changed() -> Conflict:
    return Conflict("This address changed meanwhile; reload the page.")


def _mine(account: Account, email: str, *, store: Store) -> AccountEmail:
    found = store.accounts.address(account.id, email)
    if found is None:
        raise NotFound("This address is not on your account.")
    return found


def add(account: Account, raw: str, client_ip: str, *, store: Store) -> Added:
    """Put the address on the account (unverified) and mail it a code and a link."""
    email = fields.normalise_and_check_email(raw or "")
    if not email or len(email) > 254:
        raise _invalid("email", "Enter a valid email address, like name@example.org.")
    ratelimit.count_form(client_ip, store=store)
    owner = store.accounts.owner_of(email)
    if owner is not None and owner.verified:
        return Added("mine" if owner.account_id == account.id else "other", email)
    if owner is not None and owner.account_id == account.id:
        send_code(account, email, store=store)
        return Added("pending", email)
    if owner is not None and _registering(owner, store=store):
        raise _invalid(
            "email",
            "This address is waiting for a new account to be activated. If it is yours, use the activation "
            "email (you can choose a new password there), or add it again tomorrow.",
        )
    if len(listing(account, store=store)) >= MAX_ADDRESSES:
        raise _invalid("email", f"An account can hold at most {MAX_ADDRESSES} addresses. Remove one first.")
    _count_mail(account, email, store=store)
    mailer.count_mail_to(email, store=store)  # over the cap: refused before the address is written
    try:  # another account's unverified hold ends; a closed (merged) account takes nothing
        store.accounts.add_address(account.id, email, holder=owner, at=ids.now())
    except Changed:
        raise _changed() from None
    _mail_code(account, email, store=store, counted=True)
    return Added("sent", email)


def _registering(owner: Email, *, store: Store) -> bool:
    """The address is a registration's own, made from a claim link and waiting for its activation mail
    (24 h): adding it elsewhere must not cut that short. Older holds, and added addresses, do not wait."""
    account = store.accounts.get(owner.account_id)
    fresh = owner.created_at.timestamp() > time.time() - activation.LIFETIME
    return account is not None and account.primary_email == owner.email and fresh


def _mail_code(account: Account, email: str, *, store: Store, counted: bool = False) -> None:
    activation.send(
        account,
        email,
        store=store,
        template="address_verify",
        subject="Confirm your email address for Laurel",
        link_path=VERIFY_PATH,
        counted=counted,
    )


def send_code(account: Account, email: str, *, store: Store) -> None:
    """A new code and link for an unverified address of this account (one a minute, five a day)."""
    item = _mine(account, email, store=store)
    if item.verified:
        raise Conflict("This address is already verified.")
    _count_mail(account, email, store=store)
    _mail_code(account, email, store=store)


def _count_mail(account: Account, email: str, *, store: Store) -> None:
    """One code mail a minute, five a day, per account and address: counted before anything is written,
    and per account, so that another account asking for the same address cannot use up its owner's."""
    ratelimit.count_code_mail("address", f"{account.id}:{email}", store=store)


def verify_code(account: Account, email: str, code: str, client_ip: str, *, store: Store) -> None:
    """Verify one of the account's addresses with its 6-digit code (5 tries, as for activation)."""
    _mine(account, email, store=store)
    found = activation.check_code(email, code, client_ip, store=store)
    if found.account_id != account.id:  # the code went out for another account's request
        raise NotFound("This address is not on your account.")
    activation.verify(account.id, email, found.token_hash, store=store)


@dataclass
class Confirmation:
    """An address-confirmation link: the address, and the account that asked for it."""

    token: OneTimeToken
    asking: Account

    @property
    def asker(self) -> str:
        """How the page names the asking account: its verified primary address, masked (never its
        self-chosen name: whoever opens the link did not choose that text)."""
        local, _, domain = self.asking.primary_email.partition("@")
        return f"{local[:1]}***@{domain}"


def confirmation(token: str, *, store: Store) -> Confirmation:
    """What a confirmation link asks; Conflict when it is unknown, used or expired."""
    found = onetime.live_link(token, "activate", store=store)
    asking = store.accounts.get(found.account_id) if found else None
    if found is None or asking is None or asking.merged_into:
        raise Conflict("This link is not valid, was used already or has expired. Ask for a new one.")
    return Confirmation(found, asking)


def verify_link(account: Account | None, token: str, *, store: Store) -> Confirmation:
    """Verify an address with the emailed link (once), only in a session of the account that asked."""
    found = confirmation(token, store=store)
    if account is None or account.id != found.asking.id:
        raise Forbidden(
            f"This link confirms the address for the Laurel account signed in as {found.asker}. "
            "Only that account can confirm it, signed in. If you did not ask for this, ignore the mail."
        )
    activation.verify(account.id, found.token.email, found.token.token_hash, store=store)
    return found


def set_primary(account: Account, email: str, *, store: Store) -> None:
    """Any verified address of the account can be the primary one (mail goes there)."""
    item = _mine(account, email, store=store)
    if not item.verified:
        raise Conflict("Verify this address before making it your primary one.")
    try:
        store.accounts.make_primary(account.id, email, at=ids.now())
    except Changed:
        raise _changed() from None


def remove(account: Account, email: str, *, store: Store) -> None:
    """Remove a non-primary address; its badges leave the backpack (they stay with the address) and stop
    being public (whoever proves the address later chooses again)."""
    _mine(account, email, store=store)
    if email == account.primary_email:
        raise Conflict("This is your primary address. Make another verified address primary first.")
    try:
        store.accounts.remove_address(account.id, email)
    except Changed:
        raise _changed() from None
    store.awards.hide_public_to(email)  # whoever proves the address later chooses again
