"""Earner accounts: registration, sign-in, password reset and change (sessions: services/sessions.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from chalicelib.errors import Conflict, Invalid, LaurelError
from chalicelib.services.earners import activation, passwords
from chalicelib.services.shared import fields, ids, ratelimit
from chalicelib.services.shared.ratelimit import TooMany
from chalicelib.store import aws
from chalicelib.store.models import (
    AccountEmailItem,
    AccountItem,
    EmailItem,
    OneTimeTokenItem,
    transaction,
)

RESET_SECONDS = 3600
MAX_NAME = 100


class BadLogin(LaurelError):
    status = 401
    title = "Unauthorized"


class NotActivated(LaurelError):
    status = 403
    title = "Not activated"


class AddressTaken(Conflict):
    """The address already belongs to an account."""


class Merged(LaurelError):
    """The account was closed by a merge into another account."""

    status = 403
    title = "Account merged"


@dataclass
class Registration:
    """A validated registration: the address comes from the claim, never from the form."""

    email: str
    first_name: str
    last_name: str
    password: str


def field_errors(errors: dict[str, str]) -> Invalid:
    """One Invalid carrying a message per form field."""
    first = next(iter(errors.values()))
    return Invalid(first, errors=[{"field": k, "detail": v} for k, v in errors.items()])


def _text(form: dict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def new_password(form: dict, *, email: str, names: tuple[str, ...] = (), field: str = "password") -> str:
    """The new password from `field` and its repeat `field`2, or Invalid naming the failing field."""
    password = form.get(field) if isinstance(form.get(field), str) else ""
    problem = passwords.problem(password, email=email, names=names)
    if problem:
        raise field_errors({field: problem})
    if form.get(f"{field}2") != password:
        raise field_errors({f"{field}2": "The two passwords are not the same."})
    return password


def read_registration(form: dict, email: str) -> Registration:
    """Validate the registration form; Invalid lists every failing field."""
    errors: dict[str, str] = {}
    names = {}
    for name, label in (("first_name", "first name"), ("last_name", "last name")):
        names[name] = _text(form, name)
        if not names[name]:
            errors[name] = f"Enter your {label}."
        elif (
            len(names[name]) > MAX_NAME
            or any(ord(c) < 32 for c in names[name])
            or fields.line_break(names[name])
        ):
            errors[name] = f"Your {label} must be at most {MAX_NAME} characters, on one line."
    password = ""
    try:
        password = new_password(form, email=email, names=tuple(names.values()))
    except Invalid as error:
        errors.update({e["field"]: e["detail"] for e in error.errors})
    if form.get("terms") not in ("on", "yes", "1", "true"):
        errors["terms"] = "Accept the terms to create your account."
    if errors:
        raise field_errors(errors)
    return Registration(email, names["first_name"], names["last_name"], password)


def register(reg: Registration) -> AccountItem:
    """Create the account and its (unverified) address in one transaction, then mail the activation.

    An address verified on another account is taken. One that another account only holds unverified
    does not block: the registration takes the hold over (the activation mailed to the address decides).
    """
    at = ids.now()
    account_id = ids.new_id()
    account = AccountItem(
        f"ACCOUNT#{account_id}",
        "PROFILE",
        id=account_id,
        first_name=reg.first_name,
        last_name=reg.last_name,
        password_hash=passwords.hash_password(reg.password),
        primary_email=reg.email,
        created_at=at,
        updated_at=at,
    )
    taken = AddressTaken("An account already uses this address: log in to add the badge.")
    holder = owner_of(reg.email)
    if holder is not None and holder.verified:
        raise taken
    listed = AccountEmailItem(f"ACCOUNT#{account_id}", f"EMAIL#{reg.email}", email=reg.email, created_at=at)
    with aws.refusing(lambda: taken), transaction() as tx:
        tx.save(account, condition=AccountItem.pk.does_not_exist())
        hold(tx, reg.email, account_id, holder, at)
        tx.save(listed)
    activation.send(account, reg.email)
    return account


def hold(tx, email: str, account_id: str, holder: EmailItem | None, at) -> None:
    """In `tx`: put an unverified address on `account_id`. Either nobody holds it, or `holder` (another
    account) holds it unverified: that hold ends (its listing goes) unless it changed meanwhile."""
    owner = EmailItem(f"EMAIL#{email}", "EMAIL", email=email, account_id=account_id, created_at=at)
    if holder is None:
        tx.save(owner, condition=EmailItem.pk.does_not_exist())
        return
    unverified = EmailItem.verified.does_not_exist() | (EmailItem.verified == False)  # noqa: E712
    tx.save(owner, condition=(EmailItem.account_id == holder.account_id) & unverified)
    tx.delete(AccountEmailItem(f"ACCOUNT#{holder.account_id}", f"EMAIL#{email}"))


def owner_of(email: str) -> EmailItem | None:
    """Who holds this address, if anyone."""
    try:
        return EmailItem.get(f"EMAIL#{email}", "EMAIL")
    except EmailItem.DoesNotExist:
        return None


def get_account(account_id: str) -> AccountItem | None:
    try:
        return AccountItem.get(f"ACCOUNT#{account_id}", "PROFILE")
    except AccountItem.DoesNotExist:
        return None


def verified_addresses(account: AccountItem) -> list[str]:
    """The account's verified addresses (one Query, at most 50)."""
    items = AccountEmailItem.query(
        account.pk, AccountEmailItem.sk.startswith("EMAIL#"), limit=50, page_size=50
    )
    return [item.email for item in items if item.verified]


def normalise(email: str) -> str:
    """The address as awards and accounts store it (fields.normalise_email), at most 254 characters."""
    return fields.normalise_email(email or "")[:254]


def login(email: str, password: str, client_ip: str) -> AccountItem:
    """The account for this address and password. Every try is counted before the password is checked
    (per address and per client); a right password takes its count back."""
    email = normalise(email)
    owner = owner_of(email) if email else None
    tries = PasswordTries(owner.account_id if owner else email, client_ip)
    tries.count("Too many failed attempts. Wait 15 minutes, or reset your password.")
    account = get_account(owner.account_id) if owner else None
    if not passwords.verify(account.password_hash if account else None, password or ""):
        _say_if_merged(owner, password)
        raise BadLogin("The email address or the password is not right.")
    tries.forgive()
    if account.merged_into:  # closed by a merge that is still moving its addresses
        raise Merged("This account was merged into another one. Sign in with that account's password.")
    if not owner.verified:
        raise NotActivated("Activate your account first: use the code or link we emailed you.")
    if passwords.needs_rehash(account.password_hash):
        account.update(actions=[AccountItem.password_hash.set(passwords.hash_password(password))])
    return account


@dataclass
class PasswordTries:
    """Password tries against one account (or an address no account holds), whichever address or form
    they come through (sign-in, merge), and from one client: 5 per account and 50 per client a quarter."""

    key: str
    client_ip: str

    def count(self, refusal: str) -> None:
        """Count this try before the password is checked; TooMany once over either limit."""
        if not (ratelimit.LOGIN_CLIENT.hit(self.client_ip) and ratelimit.LOGIN_ACCOUNT.hit(self.key)):
            raise TooMany(refusal)

    def forgive(self) -> None:
        """The password was right: this try does not count against anyone."""
        ratelimit.LOGIN_ACCOUNT.forgive(self.key)
        ratelimit.LOGIN_CLIENT.forgive(self.client_ip)


def _say_if_merged(owner: EmailItem | None, password: str) -> None:
    """The right password of an account that a merge closed: say so instead of "wrong password"."""
    closed = get_account(owner.merged_from) if owner and owner.merged_from else None
    if closed and closed.merged_into and passwords.verify(closed.password_hash, password or ""):
        raise Merged(
            "This account was merged into another Laurel account and is closed. "
            "Sign in with the password of the account it was merged into."
        )


# --- passwords -----------------------------------------------------------------------------------


def request_reset(email: str, client_ip: str) -> None:
    """Queue a reset link for this address: the same work, answer and timing whether or not an account
    uses it (the worker looks the account up and mails, in mail_reset)."""
    email = normalise(email)
    if not ratelimit.CLIENT_FORMS.hit(client_ip):
        raise TooMany("Too many requests from your network. Try again later.")
    # Both limits are counted for every address, known or not, before anything is looked up.
    if email and ratelimit.allow_mail("reset", email) and ratelimit.allow_mail_to(email):
        activation.queue_request("reset", email)


def mail_reset(email: str, request_id: str, requested_at: int) -> str:
    """The mail worker's half of a reset request: mail a link if the address has an account (once)."""
    return activation.once(request_id, requested_at, lambda: _reset_now(email))


def _reset_now(email: str) -> str:
    """Mail a link only when the address is verified on a live account. The link remembers the
    account's session epoch: a password change or a completed reset bumps it, voiding older links."""
    owner = owner_of(email)
    account = get_account(owner.account_id) if owner and owner.verified else None
    if account is None or account.merged_into:
        return "no account"
    token = ids.new_secret()
    expires = int(time.time()) + RESET_SECONDS
    OneTimeTokenItem(
        f"TOKEN#{ids.sha256_hex(token)}",
        "TOKEN",
        kind="reset",
        account_id=account.id,
        email=email,
        epoch=account.session_epoch or 0,
        expires_at=expires,
        ttl=expires,
    ).save()
    # counted=True: request_reset counted it against the address already
    activation.mail(email, "password_reset", "Reset your Laurel password", counted=True, token=token)
    return "sent"


def reset_token(token: str) -> OneTimeTokenItem:
    """The live reset token (Conflict when unknown, used, expired, or voided by a newer password)."""
    item = activation.live_token(token, "reset")
    if item is None or _reset_account(item) is None:
        raise Conflict("This reset link is not valid, was already used or has expired. Ask for a new one.")
    return item


def _reset_account(item: OneTimeTokenItem) -> AccountItem | None:
    """The account the link resets, while the link's address is still verified on it and no password
    was set since the link was mailed."""
    owner = owner_of(item.email)
    if owner is None or owner.account_id != item.account_id or not owner.verified:
        return None
    account = get_account(item.account_id)
    if account is None or account.merged_into or (account.session_epoch or 0) != item.epoch:
        return None
    return account


def reset_password(token: str, form: dict) -> AccountItem:
    """Use the link once: set the new password and end every session (and every other reset link)."""
    item = reset_token(token)
    password = new_password(form, email=item.email)
    used = Conflict("This reset link was already used. Ask for a new one.")
    with aws.refusing(lambda: used):  # a busy table is 503, not "already used"
        item.delete(condition=OneTimeTokenItem.pk.exists())
    account = _reset_account(item)
    if account is None:
        raise used
    with aws.refusing(lambda: used):
        _set_password(account, password, epoch=item.epoch)
    return account


def change_password(account: AccountItem, form: dict) -> AccountItem:
    """Check the current password, set the new one; other sessions and reset links end (the caller
    starts a new session)."""
    if not passwords.verify(account.password_hash, form.get("current_password") or ""):
        raise field_errors({"current_password": "This is not your current password."})
    _set_password(account, new_password(form, email=account.primary_email))
    return account


def _set_password(account: AccountItem, password: str, *, epoch: int | None = None) -> None:
    """Set the password and bump the session epoch (sessions and reset links end); with `epoch`, only
    if no password was set since then."""
    condition = None if epoch is None else AccountItem.session_epoch == epoch
    if epoch == 0:  # an account whose password was never changed may have no epoch stored yet
        condition = AccountItem.session_epoch.does_not_exist() | condition
    account.update(
        actions=[
            AccountItem.password_hash.set(passwords.hash_password(password)),
            AccountItem.session_epoch.add(1),
            AccountItem.updated_at.set(ids.now()),
        ],
        condition=condition,
    )
