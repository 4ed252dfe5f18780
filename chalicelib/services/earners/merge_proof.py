"""Proving control of the account that holds an address, before it is merged (services/earners/merge.py).

Only an address verified on the other account leads to a merge (an unverified one is a mere hold),
and the proof is about that account, not the address: its password, or a 6-digit code mailed to its
primary, verified address. Password tries are counted before they are checked, as for signing in.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from chalicelib.errors import Conflict, Invalid
from chalicelib.services.earners import accounts, passwords
from chalicelib.services.earners.merge import merge
from chalicelib.services.shared import mailer, onetime, ratelimit
from chalicelib.store.codes import MergeCode

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.accounts import Account, Email, MergeRecord

log = logging.getLogger(__name__)

CODE_SECONDS = 3600
MAX_CODE_ATTEMPTS = onetime.MAX_ATTEMPTS
SCOPE = "merge:"  # merge codes hash apart from activation codes


def _other_owner(requester: Account, email: str, *, store: Store) -> Email:
    """The other account's ownership of the address: only an address verified there can be merged."""
    owner = _verified_elsewhere(requester, email, store=store)
    if owner is None:
        raise Conflict("This address is not confirmed on another account (any more). Reload the page.")
    return owner


def _verified_elsewhere(requester: Account, email: str, *, store: Store) -> Email | None:
    """The address's owner when it is verified on another account; None when no one holds it, the
    requester does, or it is only an unverified hold (the answers treat these alike)."""
    owner = store.accounts.owner_of(email) if email else None
    if owner is None or owner.account_id == requester.id or not owner.verified:
        return None
    return owner


def holds(requester: Account, email: str, *, store: Store) -> bool:
    """Whether the address is the requester's own (verified or not): nothing to merge."""
    owner = store.accounts.owner_of(email)
    return owner is not None and owner.account_id == requester.id


def _other_account(requester: Account, owner: Email, *, store: Store) -> Account:
    other = store.accounts.get(owner.account_id)
    if other is None or other.merged_into:
        raise Conflict("That account is already being merged or has changed meanwhile. Reload and try again.")
    return other


def send_code(requester: Account, email: str, client_ip: str, *, store: Store) -> None:
    """Mail a 6-digit code to the primary (verified) address of the account on which `email` is verified:
    entering it proves control of that account. The answer is the same when no account does (and
    nothing is mailed then)."""
    ratelimit.count_form(client_ip, store=store)
    # Counted for every address, held by an account or not: the answers must not tell them apart.
    ratelimit.count_code_mail("merge", email, store=store, inbox="that inbox")
    mailer.count_mail_to(email, store=store)
    owner = _verified_elsewhere(requester, email, store=store)
    if owner is None:
        return  # no mail, the same answer (a code could merge nothing)
    other = _other_account(requester, owner, store=store)
    to = other.primary_email
    # The primary's own caps, counted before anything is written; over them nothing is mailed, with the
    # same answer (a refusal here would tell which addresses share an account).
    if to != email and not (
        ratelimit.allow_mail("merge", to, store=store) and ratelimit.allow_mail_to(to, store=store)
    ):
        log.info("merge code not mailed: the other account's primary address is over its mail caps")
        return
    code, salt = onetime.new_code()
    expires = int(time.time()) + CODE_SECONDS
    code_hash = onetime.code_hash(salt, code, scope=SCOPE)
    store.codes.put_merge_code(MergeCode(email, requester.id, other.id, code_hash, salt, expires))
    mailer.mail(
        to,
        "merge_code",
        "Your code to merge Laurel accounts",
        store=store,
        counted=True,
        account_email=requester.primary_email,  # its verified identity, not its self-chosen name
        code=code,
        email=email,
    )


def by_code(requester: Account, email: str, code: str, client_ip: str, *, store: Store) -> MergeRecord:
    """The code mailed to the other account's primary address proves control: merge it into the
    requester's."""
    ratelimit.count_form(client_ip, store=store)
    code = onetime.cleaned(code)
    dead = onetime.code_error("This code is no longer valid. Ask for a new one.")
    found = store.codes.merge_code(email)
    if found is None or found.requester_id != requester.id or found.expires_at <= time.time():
        raise dead
    tried = onetime.check(
        code, lambda: store.codes.try_merge_code(email, below=MAX_CODE_ATTEMPTS), dead=dead, scope=SCOPE
    )
    if store.accounts.merge_record(requester.id, tried.owner_id) is None:  # else a retry after a busy store
        owner = _other_owner(requester, email, store=store)
        if owner.account_id != tried.owner_id:
            raise Conflict("This address changed hands meanwhile. Start again.")
    merged = merge(requester.id, tried.owner_id, proof="code", email=email, store=store)
    _spend(
        email, store=store
    )  # only now: a merge that failed for a busy store can be retried with the same code
    return merged


def _spend(email: str, *, store: Store) -> None:
    """Delete a used code. Best effort: a code left over only resumes the same, finished merge."""
    try:
        store.codes.drop_merge_code(email)
    except Exception:
        log.warning("a used merge code was not deleted", exc_info=True)


def by_password(
    requester: Account, email: str, password: str, client_ip: str, *, store: Store
) -> MergeRecord:
    """The other account's password proves control: merge it into the requester's. Each try is counted
    before the password is checked, against the same limits as signing in. An address not verified on
    another account answers like a wrong password."""
    owner = _verified_elsewhere(requester, email, store=store)
    other = _other_account(requester, owner, store=store) if owner else None
    tries = accounts.PasswordTries(other.id if other else email, client_ip)
    tries.count("Too many failed attempts. Wait 15 minutes, or use a code sent to that account.", store=store)
    if not passwords.verify(other.password_hash if other else None, password or ""):
        detail = "This is not the password of the account that holds this address."
        raise Invalid(detail, errors=[{"field": "password", "detail": detail}])
    tries.forgive(store=store)
    return merge(requester.id, other.id, proof="password", email=email, store=store)
