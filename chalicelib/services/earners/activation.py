"""Activation of an address: one mail with a link and a 6-digit code; either works once, for 24 hours.

The mail proves the mailbox, not who chose the account's password: a registration is only finished by
someone who also gives that password, or who chooses a new one (which ends every other session). An
address added in settings is confirmed only inside the session of the account that asked
(services/earners/addresses.py). The code and link themselves are services/shared/onetime.py's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib.errors import Changed, Conflict, Invalid
from chalicelib.services.earners import passwords
from chalicelib.services.shared import fields, ids, mailer, onetime, ratelimit, urls
from chalicelib.store import refused_for_now
from chalicelib.store.codes import ActivationCode, OneTimeToken

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.accounts import Account

LIFETIME = 24 * 3600
MAX_ATTEMPTS = onetime.MAX_ATTEMPTS
DEAD = "This code is no longer valid. Ask for a new one below."


def send(
    account: Account,
    email: str,
    *,
    store: Store,
    template: str = "activation",
    subject: str = "Activate your Laurel account",
    link_path: str = "/activate",
    counted: bool = False,
) -> None:
    """Replace any earlier code and link for this address with new ones, and mail them
    (an added address gets templates/mail/address_verify.*, its link on /settings/emails/verify)."""
    if not counted:
        mailer.count_mail_to(
            email, store=store
        )  # before the old code is replaced: a refused mail leaves it working
    (token, token_hash), (code, salt) = onetime.new_link(), onetime.new_code()
    expires = int(time.time()) + LIFETIME
    previous = store.codes.activation_code(email)
    store.codes.replace_activation(
        ActivationCode(email, account.id, onetime.code_hash(salt, code), salt, token_hash, expires),
        OneTimeToken(token_hash, "activate", account.id, email, expires),
        previous=previous.token_hash if previous is not None else None,
    )
    mailer.mail(
        email,
        template,
        subject,
        store=store,
        counted=True,
        account_email=account.primary_email,  # a verified identity, never text the asker chose
        code=code,
        link=urls.activation_link_url(token, link_path),
        code_page=urls.activation_page_url(link_path),
    )


def resend(email: str, client_ip: str, *, store: Store) -> None:
    """A new code and link, if the address waits for activation; rate-limited alike for every address,
    silent otherwise."""
    email = fields.normalise(email)
    ratelimit.count_form(client_ip, store=store)
    if not email:
        return
    # Counted for every address, known or not, so a 429 says nothing about who has an account.
    ratelimit.count_code_mail("activation", email, store=store)
    mailer.count_mail_to(email, store=store)
    queue_request(
        "activation", email, store=store
    )  # the worker looks the account up: same timing for any address


def queue_request(kind: str, email: str, *, store: Store) -> None:
    """Hand a mail someone asked for ("activation", "reset") to the mail worker, so the request does the
    same work whether or not an account uses the address. The id makes a redelivery mail nothing."""
    store.queue.send([{"kind": kind, "email": email, "request_id": ids.new_id(), "at": int(time.time())}])


def once(request_id: str, requested_at: int, handle: Callable[[], str], *, store: Store) -> str:
    """Handle a queued mail request at most once (SQS may deliver it again). When AWS said "not now"
    (nothing was sent) the request is released, so the redelivery tries again."""
    if not ratelimit.MAIL_REQUEST_ONCE.hit(request_id, at=requested_at, store=store):
        return "duplicate"
    try:
        return handle()
    except Exception as error:
        if refused_for_now(error):
            ratelimit.MAIL_REQUEST_ONCE.clear(request_id, at=requested_at, store=store)
        raise


def mail_resend(email: str, request_id: str, requested_at: int, *, store: Store) -> str:
    """The mail worker's half of a resend: a new code and link if the address waits for activation."""
    return once(request_id, requested_at, lambda: _resend_now(email, store=store), store=store)


def _resend_now(email: str, *, store: Store) -> str:
    owner = store.accounts.owner_of(email)
    account = store.accounts.get(owner.account_id) if owner and not owner.verified else None
    if account is None or account.primary_email != email:  # only a registration waiting for activation
        return "nothing to activate"
    send(account, email, store=store, counted=True)  # counted by resend()
    return "sent"


def check_code(email: str, code: str, client_ip: str, *, store: Store) -> ActivationCode:
    """The address's live code when `code` is right. Each try is counted before the check: 5 at most."""
    email, code = fields.normalise(email), onetime.cleaned(code)
    ratelimit.count_form(client_ip, store=store)
    found = store.codes.activation_code(email) if email else None
    dead = onetime.code_error(DEAD)
    if found is None or found.expires_at <= time.time():
        raise dead
    return onetime.check(code, lambda: store.codes.try_activation_code(email, below=MAX_ATTEMPTS), dead=dead)


def by_code(email: str, code: str, client_ip: str, form: dict, *, store: Store) -> Account:
    """Activate a registration with its 6-digit code and the account's password (or a new one)."""
    found = check_code(email, code, client_ip, store=store)
    return _activate(found.account_id, fields.normalise(email), found.token_hash, form, store=store)


def live_token(token: str, kind: str, *, store: Store) -> OneTimeToken | None:
    """The unexpired single-use link of this kind, or None."""
    return onetime.live_link(token, kind, store=store)


def by_token(token: str, form: dict, *, store: Store) -> Account:
    """Activate a registration with the emailed link (once) and the account's password (or a new one)."""
    found = live_token(token, "activate", store=store)
    if found is None:
        raise Conflict("This activation link is not valid, was already used or has expired.")
    return _activate(found.account_id, found.email, found.token_hash, form, store=store)


def _activate(account_id: str, email: str, token_hash: str, form: dict, *, store: Store) -> Account:
    """Finish a registration: whoever holds the mail must also know the password, or replace it."""
    account = store.accounts.get(account_id)
    if account is None or account.primary_email != email or account.merged_into:
        raise Conflict(
            "This code confirms an address added to an existing account: enter it in Settings → "
            "Email addresses, signed in to that account."
        )
    password_hash = None
    if form.get("new_password"):  # someone else may have registered with this address: take it over
        password = passwords.new_password(form, email=email, field="new_password")
        password_hash = passwords.hash_password(password)
    elif not passwords.verify(account.password_hash, form.get("password") or ""):
        detail = "This is not the password chosen at registration. Enter it, or choose a new password below."
        raise Invalid(detail, errors=[{"field": "password", "detail": detail}])
    verify(account_id, email, token_hash, store=store, password_hash=password_hash)
    return store.accounts.get(account_id)


def verify(
    account_id: str, email: str, token_hash: str, *, store: Store, password_hash: str | None = None
) -> None:
    """Spend the code and the link together and mark the address verified (with a new password that
    ends every other session, when given), all or nothing."""
    try:
        store.accounts.verify_address(
            account_id, email, at=ids.now(), spend=token_hash, password_hash=password_hash
        )
    except Changed:
        raise Conflict("This code or link was already used, or a newer one was sent.") from None


def verify_owner(account: Account, email: str, *, store: Store) -> None:
    """Mark the account's address verified without a code: for accounts made by tools and tests."""
    store.accounts.verify_address(account.id, email, at=ids.now())
