"""An account's email addresses: add (verified by code or link), make primary, remove.

An address belongs to one account (EmailItem EMAIL#addr, written conditionally); the account lists its
addresses (AccountEmailItem ACCOUNT#id / EMAIL#addr). Badges are awarded to addresses, so a verified
address brings every badge ever awarded to it into the backpack. An address that another account holds
can only come over by merging that account (services/merge.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import TransactWriteError

from chalicelib.services import accounts, activation, fields, ids, ratelimit
from chalicelib.services.errors import Conflict, Invalid, NotFound
from chalicelib.services.ratelimit import TooMany
from chalicelib.store.models import AccountEmailItem, AccountItem, EmailItem, transaction

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
    if owner is not None and owner.account_id != account.id:
        return Added("other", email)
    if owner is not None:
        if owner.verified:
            return Added("mine", email)
        send_code(account, email)
        return Added("pending", email)
    if len(listing(account)) >= MAX_ADDRESSES:
        raise _invalid("email", f"An account can hold at most {MAX_ADDRESSES} addresses. Remove one first.")
    activation.count_mail_to(email)  # over the cap: refused before the address is written
    at = ids.now()
    try:
        with transaction() as tx:
            tx.save(
                EmailItem(f"EMAIL#{email}", "EMAIL", email=email, account_id=account.id, created_at=at),
                condition=EmailItem.pk.does_not_exist(),
            )
            tx.save(AccountEmailItem(account.pk, f"EMAIL#{email}", email=email, created_at=at))
            # A merge closes an account first; an address added after that would be left behind.
            tx.condition_check(
                AccountItem, account.pk, "PROFILE", condition=AccountItem.merged_into.does_not_exist()
            )
    except TransactWriteError:
        owner = accounts.owner_of(email)
        if owner is not None and owner.account_id != account.id:
            return Added("other", email)
        raise Conflict("Your account changed meanwhile; reload the page.") from None
    _mail_code(account, email, counted=True)
    return Added("sent", email)


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
    if not ratelimit.allow_mail("activation", email):
        raise TooMany("We sent a code recently. Wait a minute (at most 5 a day) and check your inbox.")
    _mail_code(account, email)


def verify_code(account: AccountItem, email: str, code: str, client_ip: str) -> None:
    """Verify one of the account's addresses with its 6-digit code (5 tries, as for activation)."""
    _mine(account, email)
    verified = activation.by_code(email, code, client_ip)
    if verified.id != account.id:  # cannot happen: the code item names the account that asked
        raise NotFound("This address is not on your account.")


def verify_link(token: str) -> AccountItem:
    """Verify an address with the emailed link (once); returns the account it belongs to."""
    return activation.by_token(token)


def set_primary(account: AccountItem, email: str) -> None:
    """Any verified address of the account can be the primary one (mail goes there)."""
    item = _mine(account, email)
    if not item.verified:
        raise Conflict("Verify this address before making it your primary one.")
    try:
        with transaction() as tx:
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
    except TransactWriteError:
        raise Conflict("This address changed meanwhile; reload the page.") from None
    account.primary_email = email


def remove(account: AccountItem, email: str) -> None:
    """Remove a non-primary address; its badges leave the backpack (they stay with the address)."""
    _mine(account, email)
    if email == account.primary_email:
        raise Conflict("This is your primary address. Make another verified address primary first.")
    try:
        with transaction() as tx:
            tx.delete(EmailItem(f"EMAIL#{email}", "EMAIL"), condition=EmailItem.account_id == account.id)
            tx.delete(AccountEmailItem(account.pk, f"EMAIL#{email}"), condition=AccountEmailItem.pk.exists())
            tx.condition_check(
                AccountItem, account.pk, "PROFILE", condition=AccountItem.primary_email != email
            )
    except TransactWriteError:
        raise Conflict("This address changed meanwhile; reload the page.") from None
