"""Activation of an address: one mail with a link and a 6-digit code; either works once, for 24 hours.

The mail proves the mailbox, not who chose the account's password: a registration is only finished by
someone who also gives that password, or who chooses a new one (which ends every other session). An
address added in settings is confirmed only inside the session of the account that asked
(services/addresses.py).
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

from chalicelib.errors import Conflict, Invalid
from chalicelib.services.earners import passwords
from chalicelib.services.shared import ids, ratelimit, urls
from chalicelib.services.shared.ratelimit import TooMany
from chalicelib.store import aws
from chalicelib.store import mail as ses
from chalicelib.store.models import (
    AccountEmailItem,
    AccountItem,
    ActivationCodeItem,
    EmailItem,
    OneTimeTokenItem,
    transaction,
)

LIFETIME = 24 * 3600
MAX_ATTEMPTS = 5
MAIL_DIR = Path(__file__).resolve().parents[3] / "templates" / "mail"


@cache
def _jinja():
    from jinja2 import Environment, FileSystemLoader, select_autoescape  # lazy: cold start

    return Environment(
        loader=FileSystemLoader(str(MAIL_DIR)), autoescape=select_autoescape(["html"], default=False)
    )


class MailLimited(TooMany):
    """Too many mails went to this address lately (ratelimit.allow_mail_to)."""


MAIL_LIMITED = "Too many emails went to this address in the last hours. Try again tomorrow."


def count_mail_to(to: str) -> None:
    """Count a mail to this address before anything is written for it; MailLimited over the cap."""
    if not ratelimit.allow_mail_to(to):
        raise MailLimited(MAIL_LIMITED)


def mail(to: str, template: str, subject: str, *, counted: bool = False, **context) -> str:
    """Render templates/mail/<template>.html and .txt and send both parts. Every person-facing mail
    comes here, and is counted against its address (unless the caller counted it already)."""
    if not counted:
        count_mail_to(to)
    context = {"base_url": urls.base(), "email": to, **context}
    html = _jinja().get_template(f"{template}.html").render(subject=subject, **context)
    text = _jinja().get_template(f"{template}.txt").render(subject=subject, **context)
    return ses.send_email(to, subject, html, text)


def _code_hash(salt: str, code: str) -> str:
    return ids.sha256_hex(f"{salt}:{code}")


def send(
    account: AccountItem,
    email: str,
    *,
    template: str = "activation",
    subject: str = "Activate your Laurel account",
    link_path: str = "/activate",
    counted: bool = False,
) -> None:
    """Replace any earlier code and link for this address with new ones, and mail them
    (an added address gets templates/mail/address_verify.*, its link on /settings/emails/verify)."""
    if not counted:
        count_mail_to(email)  # before the old code is replaced: a refused mail leaves it working
    token, code = ids.new_secret(), f"{secrets.randbelow(10**6):06d}"
    token_hash, salt = ids.sha256_hex(token), secrets.token_hex(8)
    expires = int(time.time()) + LIFETIME
    previous = _code_item(email)
    with transaction() as tx:
        if previous is not None:
            tx.delete(OneTimeTokenItem(f"TOKEN#{previous.token_hash}", "TOKEN"))
        tx.save(
            OneTimeTokenItem(
                f"TOKEN#{token_hash}",
                "TOKEN",
                kind="activate",
                account_id=account.id,
                email=email,
                expires_at=expires,
                ttl=expires,
            )
        )
        tx.save(
            ActivationCodeItem(
                f"EMAIL#{email}",
                "CODE",
                account_id=account.id,
                code_hash=_code_hash(salt, code),
                salt=salt,
                token_hash=token_hash,
                attempts=0,
                expires_at=expires,
                ttl=expires,
            )
        )
    mail(
        email,
        template,
        subject,
        counted=True,
        account_email=account.primary_email,  # a verified identity, never text the asker chose
        code=code,
        link=urls.activation_link_url(token, link_path),
        code_page=urls.activation_page_url(link_path),
    )


def resend(email: str, client_ip: str) -> None:
    """A new code and link, if the address waits for activation; rate-limited alike for every address,
    silent otherwise."""
    from chalicelib.services.earners import accounts

    email = accounts.normalise(email)
    if not ratelimit.CLIENT_FORMS.hit(client_ip):
        raise TooMany("Too many requests from your network. Try again later.")
    if not email:
        return
    # Counted for every address, known or not, so a 429 says nothing about who has an account.
    if not ratelimit.allow_mail("activation", email):
        raise TooMany("We sent a code recently. Wait a minute (at most 5 a day) and check your inbox.")
    count_mail_to(email)
    queue_request("activation", email)  # the worker looks the account up: same timing for any address


def queue_request(kind: str, email: str) -> None:
    """Hand a mail someone asked for ("activation", "reset") to the mail worker, so the request does the
    same work whether or not an account uses the address. The id makes a redelivery mail nothing."""
    from chalicelib.store import queue

    queue.send([{"kind": kind, "email": email, "request_id": ids.new_id(), "at": int(time.time())}])


def once(request_id: str, requested_at: int, handle: Callable[[], str]) -> str:
    """Handle a queued mail request at most once (SQS may deliver it again). When AWS said "not now"
    (nothing was sent) the request is released, so the redelivery tries again."""
    if not ratelimit.MAIL_REQUEST_ONCE.hit(request_id, at=requested_at):
        return "duplicate"
    try:
        return handle()
    except Exception as error:
        if aws.refused_for_now(error):
            ratelimit.MAIL_REQUEST_ONCE.clear(request_id, at=requested_at)
        raise


def mail_resend(email: str, request_id: str, requested_at: int) -> str:
    """The mail worker's half of a resend: a new code and link if the address waits for activation."""
    return once(request_id, requested_at, lambda: _resend_now(email))


def _resend_now(email: str) -> str:
    from chalicelib.services.earners import accounts

    owner = accounts.owner_of(email)
    account = accounts.get_account(owner.account_id) if owner and not owner.verified else None
    if account is None or account.primary_email != email:  # only a registration waiting for activation
        return "nothing to activate"
    send(account, email, counted=True)  # counted by resend()
    return "sent"


def _code_item(email: str) -> ActivationCodeItem | None:
    try:
        return ActivationCodeItem.get(f"EMAIL#{email}", "CODE")
    except ActivationCodeItem.DoesNotExist:
        return None


def check_code(email: str, code: str, client_ip: str) -> ActivationCodeItem:
    """The address's live code item when `code` is right. Each try is counted before the check: 5 at most."""
    from chalicelib.services.earners import accounts

    email, code = accounts.normalise(email), (code or "").strip().replace(" ", "")
    if not ratelimit.CLIENT_FORMS.hit(client_ip):
        raise TooMany("Too many requests from your network. Try again later.")
    item = _code_item(email) if email else None
    dead = Invalid(
        "This code is no longer valid. Ask for a new one below.",
        errors=[{"field": "code", "detail": "This code is no longer valid. Ask for a new one below."}],
    )
    if item is None or item.expires_at <= time.time():
        raise dead
    with aws.refusing(lambda: dead):  # a busy table is 503, not "no longer valid"
        item.update(
            actions=[ActivationCodeItem.attempts.add(1)],
            condition=ActivationCodeItem.attempts < MAX_ATTEMPTS,
        )
    if not (len(code) == 6 and hmac.compare_digest(item.code_hash, _code_hash(item.salt, code))):
        left = MAX_ATTEMPTS - item.attempts
        detail = f"This code is not right; {left} tries left." if left else dead.detail
        raise Invalid(detail, errors=[{"field": "code", "detail": detail}])
    return item


def by_code(email: str, code: str, client_ip: str, form: dict) -> AccountItem:
    """Activate a registration with its 6-digit code and the account's password (or a new one)."""
    from chalicelib.services.earners import accounts

    item = check_code(email, code, client_ip)
    return _activate(item.account_id, accounts.normalise(email), item.token_hash, form)


def live_token(token: str, kind: str) -> OneTimeTokenItem | None:
    """The unexpired single-use token of this kind, or None."""
    if not token or len(token) > 100:
        return None
    try:
        item = OneTimeTokenItem.get(f"TOKEN#{ids.sha256_hex(token)}", "TOKEN")
    except OneTimeTokenItem.DoesNotExist:
        return None
    return item if item.kind == kind and item.expires_at > time.time() else None


def by_token(token: str, form: dict) -> AccountItem:
    """Activate a registration with the emailed link (once) and the account's password (or a new one)."""
    item = live_token(token, "activate")
    if item is None:
        raise Conflict("This activation link is not valid, was already used or has expired.")
    return _activate(item.account_id, item.email, ids.sha256_hex(token), form)


def _activate(account_id: str, email: str, token_hash: str, form: dict) -> AccountItem:
    """Finish a registration: whoever holds the mail must also know the password, or replace it."""
    from chalicelib.services.earners import accounts

    account = accounts.get_account(account_id)
    if account is None or account.primary_email != email or account.merged_into:
        raise Conflict(
            "This code confirms an address added to an existing account: enter it in Settings → "
            "Email addresses, signed in to that account."
        )
    changes = []
    if form.get("new_password"):  # someone else may have registered with this address: take it over
        password = accounts.new_password(form, email=email, field="new_password")
        changes = [
            AccountItem.password_hash.set(passwords.hash_password(password)),
            AccountItem.session_epoch.add(1),
            AccountItem.updated_at.set(ids.now()),
        ]
    elif not passwords.verify(account.password_hash, form.get("password") or ""):
        detail = "This is not the password chosen at registration. Enter it, or choose a new password below."
        raise Invalid(detail, errors=[{"field": "password", "detail": detail}])
    verify(account_id, email, token_hash, changes)
    account.refresh()
    return account


def verify(account_id: str, email: str, token_hash: str, changes: list | None = None) -> None:
    """Spend the code and the link together and mark the address verified (with `changes` to the
    profile), all or nothing."""
    used = Conflict("This code or link was already used, or a newer one was sent.")
    with aws.refusing(lambda: used), transaction() as tx:
        tx.delete(
            ActivationCodeItem(f"EMAIL#{email}", "CODE"),
            condition=ActivationCodeItem.token_hash == token_hash,
        )
        tx.delete(OneTimeTokenItem(f"TOKEN#{token_hash}", "TOKEN"), condition=OneTimeTokenItem.pk.exists())
        _mark_verified(tx, account_id, email)
        if changes:
            tx.update(AccountItem(f"ACCOUNT#{account_id}", "PROFILE"), actions=changes)


def verify_owner(account: AccountItem, email: str) -> None:
    """Mark the account's address verified without a code: for accounts made by tools and tests."""
    with transaction() as tx:
        _mark_verified(tx, account.id, email)


def _mark_verified(tx, account_id: str, email: str) -> None:
    at = ids.now()
    tx.update(
        EmailItem(f"EMAIL#{email}", "EMAIL"),
        actions=[EmailItem.verified.set(True), EmailItem.verified_at.set(at)],
        condition=EmailItem.account_id == account_id,
    )
    tx.update(
        AccountEmailItem(f"ACCOUNT#{account_id}", f"EMAIL#{email}"),
        actions=[AccountEmailItem.verified.set(True)],
        condition=AccountEmailItem.pk.exists(),
    )
