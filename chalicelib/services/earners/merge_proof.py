"""Proving control of the account that holds an address, before it is merged (services/merge.py).

Only an address verified on the other account leads to a merge (an unverified one is a mere hold),
and the proof is about that account, not the address: its password, or a 6-digit code mailed to its
primary, verified address. Password tries are counted before they are checked, as for signing in.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time

from chalicelib.errors import Conflict, Invalid
from chalicelib.services.earners import accounts, activation, passwords
from chalicelib.services.earners.merge import merge, record
from chalicelib.services.shared import ids, ratelimit
from chalicelib.services.shared.ratelimit import TooMany
from chalicelib.store import aws
from chalicelib.store.models import AccountItem, EmailItem, MergeCodeItem, MergeItem

log = logging.getLogger(__name__)

CODE_SECONDS = 3600
MAX_CODE_ATTEMPTS = 5


def _other_owner(requester: AccountItem, email: str) -> EmailItem:
    """The other account's ownership of the address: only an address verified there can be merged."""
    owner = _verified_elsewhere(requester, email)
    if owner is None:
        raise Conflict("This address is not confirmed on another account (any more). Reload the page.")
    return owner


def _verified_elsewhere(requester: AccountItem, email: str) -> EmailItem | None:
    """The address's owner when it is verified on another account; None when no one holds it, the
    requester does, or it is only an unverified hold (the answers treat these alike)."""
    owner = accounts.owner_of(email) if email else None
    if owner is None or owner.account_id == requester.id or not owner.verified:
        return None
    return owner


def _code_hash(salt: str, code: str) -> str:
    return ids.sha256_hex(f"merge:{salt}:{code}")


def _other_account(requester: AccountItem, owner: EmailItem) -> AccountItem:
    other = accounts.get_account(owner.account_id)
    if other is None or other.merged_into:
        raise Conflict("That account is already being merged or has changed meanwhile. Reload and try again.")
    return other


def send_code(requester: AccountItem, email: str, client_ip: str) -> None:
    """Mail a 6-digit code to the primary (verified) address of the account on which `email` is verified:
    entering it proves control of that account. The answer is the same when no account does (and
    nothing is mailed then)."""
    if not ratelimit.CLIENT_FORMS.hit(client_ip):
        raise TooMany("Too many requests from your network. Try again later.")
    # Counted for every address, held by an account or not: the answers must not tell them apart.
    if not ratelimit.allow_mail("merge", email):
        raise TooMany("We sent a code recently. Wait a minute (at most 5 a day) and check that inbox.")
    activation.count_mail_to(email)
    owner = _verified_elsewhere(requester, email)
    if owner is None:
        return  # no mail, the same answer (a code could merge nothing)
    other = _other_account(requester, owner)
    to = other.primary_email
    # The primary's own caps, counted before anything is written; over them nothing is mailed, with the
    # same answer (a refusal here would tell which addresses share an account).
    if to != email and not (ratelimit.allow_mail("merge", to) and ratelimit.allow_mail_to(to)):
        log.info("merge code not mailed: the other account's primary address is over its mail caps")
        return
    code, salt = f"{secrets.randbelow(10**6):06d}", secrets.token_hex(8)
    expires = int(time.time()) + CODE_SECONDS
    MergeCodeItem(
        f"EMAIL#{email}",
        "MERGECODE",
        requester_id=requester.id,
        owner_id=other.id,
        code_hash=_code_hash(salt, code),
        salt=salt,
        attempts=0,
        expires_at=expires,
        ttl=expires,
    ).save()
    activation.mail(
        to,
        "merge_code",
        "Your code to merge Laurel accounts",
        counted=True,
        account_email=requester.primary_email,  # its verified identity, not its self-chosen name
        code=code,
        email=email,
    )


def _code_error(detail: str) -> Invalid:
    return Invalid(detail, errors=[{"field": "code", "detail": detail}])


def by_code(requester: AccountItem, email: str, code: str, client_ip: str) -> MergeItem:
    """The code mailed to the other account's primary address proves control: merge it into the
    requester's."""
    if not ratelimit.CLIENT_FORMS.hit(client_ip):
        raise TooMany("Too many requests from your network. Try again later.")
    code = (code or "").strip().replace(" ", "")
    dead = _code_error("This code is no longer valid. Ask for a new one.")
    try:
        item = MergeCodeItem.get(f"EMAIL#{email}", "MERGECODE", consistent_read=True)
    except MergeCodeItem.DoesNotExist:
        raise dead from None
    if item.requester_id != requester.id or item.expires_at <= time.time():
        raise dead
    with aws.refusing(lambda: dead):  # a busy table is 503, not "no longer valid"
        item.update(
            actions=[MergeCodeItem.attempts.add(1)], condition=MergeCodeItem.attempts < MAX_CODE_ATTEMPTS
        )
    if not (len(code) == 6 and hmac.compare_digest(item.code_hash, _code_hash(item.salt, code))):
        left = MAX_CODE_ATTEMPTS - item.attempts
        raise _code_error(f"This code is not right; {left} tries left." if left else dead.detail)
    if record(requester.id, item.owner_id) is None:  # else a retry after a busy store: resume it
        owner = _other_owner(requester, email)
        if owner.account_id != item.owner_id:
            raise Conflict("This address changed hands meanwhile. Start again.")
    merged = merge(requester.id, item.owner_id, proof="code", email=email)
    _spend(item)  # only now: a merge that failed for a busy store can be retried with the same code
    return merged


def _spend(item: MergeCodeItem) -> None:
    """Delete a used code. Best effort: a code left over only resumes the same, finished merge."""
    try:
        item.delete()
    except Exception:
        log.warning("a used merge code was not deleted", exc_info=True)


def by_password(requester: AccountItem, email: str, password: str, client_ip: str) -> MergeItem:
    """The other account's password proves control: merge it into the requester's. Each try is counted
    before the password is checked, against the same limits as signing in. An address not verified on
    another account answers like a wrong password."""
    owner = _verified_elsewhere(requester, email)
    other = _other_account(requester, owner) if owner else None
    tries = accounts.PasswordTries(other.id if other else email, client_ip)
    tries.count("Too many failed attempts. Wait 15 minutes, or use a code sent to that account.")
    if not passwords.verify(other.password_hash if other else None, password or ""):
        detail = "This is not the password of the account that holds this address."
        raise Invalid(detail, errors=[{"field": "password", "detail": detail}])
    tries.forgive()
    return merge(requester.id, other.id, proof="password", email=email)
