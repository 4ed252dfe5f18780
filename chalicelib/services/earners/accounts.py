"""Earner accounts: registration, sign-in, password reset and change (sessions: sessions.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.errors import Changed, Conflict, Invalid, LaurelError, Taken
from chalicelib.services.earners import activation, passwords
from chalicelib.services.earners.passwords import field_errors, new_password
from chalicelib.services.shared import fields, ids, mailer, onetime, ratelimit
from chalicelib.services.shared.ratelimit import TooMany
from chalicelib.store.accounts import Account
from chalicelib.store.codes import OneTimeToken

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.accounts import Email

RESET_SECONDS = 3600
MAX_NAME = 100
normalise = fields.normalise  # the address as accounts store it (routes and other services read it here)


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
    product_mail: bool = False  # news about Laurel: optional, unchecked by default


def _text(form: dict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _name_problem(value: str, label: str) -> str | None:
    if not value:
        return f"Enter your {label}."
    if len(value) > MAX_NAME or any(ord(c) < 32 for c in value) or fields.line_break(value):
        return f"Your {label} must be at most {MAX_NAME} characters, on one line."
    return None


def read_registration(form: dict, email: str) -> Registration:
    """Validate the registration form; Invalid lists every failing field."""
    errors: dict[str, str] = {}
    names = {}
    for name, label in (("first_name", "first name"), ("last_name", "last name")):
        names[name] = _text(form, name)
        problem = _name_problem(names[name], label)
        if problem:
            errors[name] = problem
    password = ""
    try:
        password = new_password(form, email=email, names=tuple(names.values()))
    except Invalid as error:
        errors.update({e["field"]: e["detail"] for e in error.errors})
    if form.get("terms") not in ("on", "yes", "1", "true"):
        errors["terms"] = "Accept the terms to create your account."
    if errors:
        raise field_errors(errors)
    product_mail = form.get("product_mail") in ("on", "yes", "1", "true")
    return Registration(email, names["first_name"], names["last_name"], password, product_mail)


def register(reg: Registration, *, store: Store) -> Account:
    """Create the account and its (unverified) address in one transaction, then mail the activation.

    An address verified on another account is taken. One that another account only holds unverified
    does not block: the registration takes the hold over (the activation mailed to the address decides).
    """
    at = ids.now()
    account = Account(
        id=ids.new_id(),
        first_name=reg.first_name,
        last_name=reg.last_name,
        password_hash=passwords.hash_password(reg.password),
        primary_email=reg.email,
        created_at=at,
        updated_at=at,
    )
    taken = AddressTaken("An account already uses this address: log in to add the badge.")
    holder = store.accounts.owner_of(reg.email)
    if holder is not None and holder.verified:
        raise taken
    try:
        store.accounts.register(account, reg.email, holder=holder)
    except Taken:
        raise taken from None
    activation.send(account, reg.email, store=store)
    return account


def owner_of(email: str, *, store: Store) -> Email | None:
    """Who holds this address, if anyone."""
    return store.accounts.owner_of(email)


def get_account(account_id: str, *, store: Store) -> Account | None:
    return store.accounts.get(account_id)


def verified_addresses(account: Account, *, store: Store) -> list[str]:
    """The account's verified addresses (one Query, at most 50)."""
    return [item.email for item in store.accounts.addresses(account.id) if item.verified]


def login(email: str, password: str, client_ip: str, *, store: Store) -> Account:
    """The account for this address and password. Every try is counted before the password is checked
    (per address and per client); a right password takes its count back."""
    email = normalise(email)
    owner = store.accounts.owner_of(email) if email else None
    tries = PasswordTries(owner.account_id if owner else email, client_ip)
    tries.count("Too many failed attempts. Wait 15 minutes, or reset your password.", store=store)
    account = store.accounts.get(owner.account_id) if owner else None
    if not passwords.verify(account.password_hash if account else None, password or ""):
        _say_if_merged(owner, password, store=store)
        raise BadLogin("The email address or the password is not right.")
    tries.forgive(store=store)
    if account.merged_into:  # closed by a merge that is still moving its addresses
        raise Merged("This account was merged into another one. Sign in with that account's password.")
    if not owner.verified:
        raise NotActivated("Activate your account first: use the code or link we emailed you.")
    if passwords.needs_rehash(account.password_hash):
        store.accounts.rehash_password(account.id, passwords.hash_password(password))
    return account


@dataclass
class PasswordTries:
    """Password tries against one account (or an address no account holds), whichever address or form
    they come through (sign-in, merge), and from one client: 5 per account and 50 per client a quarter."""

    key: str
    client_ip: str

    def count(self, refusal: str, *, store: Store) -> None:
        """Count this try before the password is checked; TooMany once over either limit."""
        if not (
            ratelimit.LOGIN_CLIENT.hit(self.client_ip, store=store)
            and ratelimit.LOGIN_ACCOUNT.hit(self.key, store=store)
        ):
            raise TooMany(refusal)

    def forgive(self, *, store: Store) -> None:
        """The password was right: this try does not count against anyone."""
        ratelimit.LOGIN_ACCOUNT.forgive(self.key, store=store)
        ratelimit.LOGIN_CLIENT.forgive(self.client_ip, store=store)


def _say_if_merged(owner: Email | None, password: str, *, store: Store) -> None:
    """The right password of an account that a merge closed: say so instead of "wrong password"."""
    closed = store.accounts.get(owner.merged_from) if owner and owner.merged_from else None
    if closed and closed.merged_into and passwords.verify(closed.password_hash, password or ""):
        raise Merged(
            "This account was merged into another Laurel account and is closed. "
            "Sign in with the password of the account it was merged into."
        )


# --- passwords -----------------------------------------------------------------------------------


def request_reset(email: str, client_ip: str, *, store: Store) -> None:
    """Queue a reset link for this address: the same work, answer and timing whether or not an account
    uses it (the worker looks the account up and mails, in mail_reset)."""
    email = normalise(email)
    ratelimit.count_form(client_ip, store=store)
    # Both limits are counted for every address, known or not, before anything is looked up.
    if (
        email
        and ratelimit.allow_mail("reset", email, store=store)
        and ratelimit.allow_mail_to(email, store=store)
    ):
        activation.queue_request("reset", email, store=store)


def mail_reset(email: str, request_id: str, requested_at: int, *, store: Store) -> str:
    """The mail worker's half of a reset request: mail a link if the address has an account (once)."""
    return activation.once(request_id, requested_at, lambda: _reset_now(email, store=store), store=store)


def _reset_now(email: str, *, store: Store) -> str:
    """Mail a link only when the address is verified on a live account. The link remembers the
    account's session epoch: a password change or a completed reset bumps it, voiding older links."""
    owner = store.accounts.owner_of(email)
    account = store.accounts.get(owner.account_id) if owner and owner.verified else None
    if account is None or account.merged_into:
        return "no account"
    token, token_hash = onetime.new_link()
    expires = int(time.time()) + RESET_SECONDS
    store.codes.put_token(
        OneTimeToken(token_hash, "reset", account.id, email, expires, epoch=account.session_epoch or 0)
    )
    # counted=True: request_reset counted it against the address already
    mailer.mail(email, "password_reset", "Reset your Laurel password", store=store, counted=True, token=token)
    return "sent"


def reset_token(token: str, *, store: Store) -> OneTimeToken:
    """The live reset link (Conflict when unknown, used, expired, or voided by a newer password)."""
    found = onetime.live_link(token, "reset", store=store)
    if found is None or _reset_account(found, store=store) is None:
        raise Conflict("This reset link is not valid, was already used or has expired. Ask for a new one.")
    return found


def _reset_account(link: OneTimeToken, *, store: Store) -> Account | None:
    """The account the link resets, while the link's address is still verified on it and no password
    was set since the link was mailed."""
    owner = store.accounts.owner_of(link.email)
    if owner is None or owner.account_id != link.account_id or not owner.verified:
        return None
    account = store.accounts.get(link.account_id)
    if account is None or account.merged_into or (account.session_epoch or 0) != link.epoch:
        return None
    return account


def reset_password(token: str, form: dict, *, store: Store) -> Account:
    """Use the link once: set the new password and end every session (and every other reset link)."""
    link = reset_token(token, store=store)
    password = new_password(form, email=link.email)
    used = Conflict("This reset link was already used. Ask for a new one.")
    try:  # a busy store is 503, not "already used"
        store.codes.spend_token(link.token_hash)
        account = _reset_account(link, store=store)
        if account is None:
            raise used
        new_hash = passwords.hash_password(password)
        return store.accounts.set_password(account.id, new_hash, at=ids.now(), epoch=link.epoch)
    except Changed:
        raise used from None


def change_password(account: Account, form: dict, *, store: Store) -> Account:
    """Check the current password, set the new one; other sessions and reset links end (the caller
    starts a new session with the account as it is now)."""
    if not passwords.verify(account.password_hash, form.get("current_password") or ""):
        raise field_errors({"current_password": "This is not your current password."})
    password = new_password(form, email=account.primary_email)
    return store.accounts.set_password(account.id, passwords.hash_password(password), at=ids.now())
