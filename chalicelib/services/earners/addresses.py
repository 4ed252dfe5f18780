"""An account's email addresses: add (verified by code or link), make primary, remove.

An address belongs to one account (EmailItem EMAIL#addr, written conditionally); the account lists its
addresses (AccountEmailItem ACCOUNT#id / EMAIL#addr). Badges are awarded to addresses, so a verified
address brings every badge ever awarded to it into the backpack. An address verified on another account
can only come over by merging that account (services/merge.py). An unverified address is only a hold:
it blocks nobody (adding or registering it takes the hold over), and it is confirmed only by the code
or link mailed to it, inside a session of the account that asked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from chalicelib.errors import Conflict, Forbidden, Invalid, NotFound
from chalicelib.services.earners import accounts, activation
from chalicelib.services.shared import fields, ids, ratelimit
from chalicelib.services.shared.ratelimit import TooMany
from chalicelib.store import aws
from chalicelib.store.models import (
    AccountEmailItem,
    AccountItem,
    AssertionItem,
    EmailItem,
    OneTimeTokenItem,
    transaction,
)

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


def listing(account: AccountItem) -> list[AccountEmailItem]:
    """The account's addresses, primary first, then verified, then by address (one consistent Query)."""
    items = list(
        AccountEmailItem.query(
            account.pk, AccountEmailItem.sk.startswith("EMAIL#"), consistent_read=True, limit=50
        )
    )
    return sorted(items, key=lambda i: (i.email != account.primary_email, not i.verified, i.email))


def _changed() -> Conflict:
    return Conflict("This address changed meanwhile; reload the page.")


def _mine(account: AccountItem, email: str) -> AccountEmailItem:
    try:
        return AccountEmailItem.get(account.pk, f"EMAIL#{email}", consistent_read=True)
    except AccountEmailItem.DoesNotExist:
        raise NotFound("This address is not on your account.") from None


def add(account: AccountItem, raw: str, client_ip: str) -> Added:
    """Put the address on the account (unverified) and mail it a code and a link."""
    email = fields.normalise_and_check_email(raw or "")
    if not email or len(email) > 254:
        raise _invalid("email", "Enter a valid email address, like name@example.org.")
    if not ratelimit.CLIENT_FORMS.hit(client_ip):
        raise TooMany("Too many requests from your network. Try again later.")
    owner = accounts.owner_of(email)
    if owner is not None and owner.verified:
        return Added("mine" if owner.account_id == account.id else "other", email)
    if owner is not None and owner.account_id == account.id:
        send_code(account, email)
        return Added("pending", email)
    if owner is not None and _registering(owner):
        raise _invalid(
            "email",
            "This address is waiting for a new account to be activated. If it is yours, use the activation "
            "email (you can choose a new password there), or add it again tomorrow.",
        )
    if len(listing(account)) >= MAX_ADDRESSES:
        raise _invalid("email", f"An account can hold at most {MAX_ADDRESSES} addresses. Remove one first.")
    _count_mail(account, email)
    activation.count_mail_to(email)  # over the cap: refused before the address is written
    at = ids.now()
    with aws.refusing(_changed), transaction() as tx:
        accounts.hold(tx, email, account.id, owner, at)  # another account's unverified hold ends
        tx.save(AccountEmailItem(account.pk, f"EMAIL#{email}", email=email, created_at=at))
        # A merge closes an account first; an address added after that would be left behind.
        open_account = AccountItem.merged_into.does_not_exist()
        tx.condition_check(AccountItem, account.pk, "PROFILE", condition=open_account)
    _mail_code(account, email, counted=True)
    return Added("sent", email)


def _registering(owner: EmailItem) -> bool:
    """The address is a registration's own, made from a claim link and waiting for its activation mail
    (24 h): adding it elsewhere must not cut that short. Older holds, and added addresses, do not wait."""
    account = accounts.get_account(owner.account_id)
    fresh = owner.created_at.timestamp() > time.time() - activation.LIFETIME
    return account is not None and account.primary_email == owner.email and fresh


def _mail_code(account: AccountItem, email: str, *, counted: bool = False) -> None:
    activation.send(
        account,
        email,
        template="address_verify",
        subject="Confirm your email address for Laurel",
        link_path=VERIFY_PATH,
        counted=counted,
    )


def send_code(account: AccountItem, email: str) -> None:
    """A new code and link for an unverified address of this account (one a minute, five a day)."""
    item = _mine(account, email)
    if item.verified:
        raise Conflict("This address is already verified.")
    _count_mail(account, email)
    _mail_code(account, email)


def _count_mail(account: AccountItem, email: str) -> None:
    """One code mail a minute, five a day, per account and address: counted before anything is written,
    and per account, so that another account asking for the same address cannot use up its owner's."""
    if not ratelimit.allow_mail("address", f"{account.id}:{email}"):
        raise TooMany("We sent a code recently. Wait a minute (at most 5 a day) and check your inbox.")


def verify_code(account: AccountItem, email: str, code: str, client_ip: str) -> None:
    """Verify one of the account's addresses with its 6-digit code (5 tries, as for activation)."""
    _mine(account, email)
    item = activation.check_code(email, code, client_ip)
    if item.account_id != account.id:  # the code went out for another account's request
        raise NotFound("This address is not on your account.")
    activation.verify(account.id, email, item.token_hash)


@dataclass
class Confirmation:
    """An address-confirmation link: the address, and the account that asked for it."""

    token: OneTimeTokenItem
    asking: AccountItem

    @property
    def asker(self) -> str:
        """How the page names the asking account: its verified primary address, masked (never its
        self-chosen name: whoever opens the link did not choose that text)."""
        local, _, domain = self.asking.primary_email.partition("@")
        return f"{local[:1]}***@{domain}"


def confirmation(token: str) -> Confirmation:
    """What a confirmation link asks; Conflict when it is unknown, used or expired."""
    item = activation.live_token(token, "activate")
    asking = accounts.get_account(item.account_id) if item else None
    if item is None or asking is None or asking.merged_into:
        raise Conflict("This link is not valid, was used already or has expired. Ask for a new one.")
    return Confirmation(item, asking)


def verify_link(account: AccountItem | None, token: str) -> Confirmation:
    """Verify an address with the emailed link (once), only in a session of the account that asked."""
    found = confirmation(token)
    if account is None or account.id != found.asking.id:
        raise Forbidden(
            f"This link confirms the address for the Laurel account signed in as {found.asker}. "
            "Only that account can confirm it, signed in. If you did not ask for this, ignore the mail."
        )
    activation.verify(account.id, found.token.email, ids.sha256_hex(token))
    return found


def set_primary(account: AccountItem, email: str) -> None:
    """Any verified address of the account can be the primary one (mail goes there)."""
    item = _mine(account, email)
    if not item.verified:
        raise Conflict("Verify this address before making it your primary one.")
    with aws.refusing(_changed), transaction() as tx:
        tx.condition_check(
            AccountEmailItem,
            account.pk,
            f"EMAIL#{email}",
            condition=AccountEmailItem.verified == True,  # noqa: E712
        )
        tx.update(
            AccountItem(account.pk, "PROFILE"),
            actions=[AccountItem.primary_email.set(email), AccountItem.updated_at.set(ids.now())],
            condition=AccountItem.merged_into.does_not_exist(),
        )
    account.primary_email = email


def remove(account: AccountItem, email: str) -> None:
    """Remove a non-primary address; its badges leave the backpack (they stay with the address) and stop
    being public (whoever proves the address later chooses again)."""
    _mine(account, email)
    if email == account.primary_email:
        raise Conflict("This is your primary address. Make another verified address primary first.")
    with aws.refusing(_changed), transaction() as tx:
        tx.delete(EmailItem(f"EMAIL#{email}", "EMAIL"), condition=EmailItem.account_id == account.id)
        tx.delete(AccountEmailItem(account.pk, f"EMAIL#{email}"), condition=AccountEmailItem.pk.exists())
        tx.condition_check(AccountItem, account.pk, "PROFILE", condition=AccountItem.primary_email != email)
    _make_private(email)


def _make_private(email: str) -> None:
    """Unpublish the address's public badges: one Query page per 100 public awards (at most 5), one
    UpdateItem per public badge."""
    from chalicelib.services.backpack import shelf

    for item in shelf.public_awards_to(email):
        item.update(actions=[AssertionItem.public.set(False)], condition=AssertionItem.pk.exists())
