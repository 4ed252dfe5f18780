"""Sign-up without a claim link: an address proven by a mailed 6-digit code (or its link) before any
account exists, then names, password and terms make a verified account in one write.

- `start` answers alike for every address: it counts the limits and queues the request; the mail
  worker (`mail_signup`) decides whether the address gets a code or "you already have an account";
- a code or link proves the address only in the browser that used it: proving spends the code and its
  link, and starts a `signup` ceremony bound to that browser (services/earners/ceremonies.py);
- `finish` makes the account from that ceremony (one of two racing requests wins); an address verified
  on another account meanwhile is "sign in or reset", an unverified hold is taken over.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING
from urllib.parse import quote

from chalicelib.errors import Busy, Conflict, Invalid, Taken
from chalicelib.services.earners import accounts, activation, ceremonies, passwords
from chalicelib.services.shared import fields, ids, mailer, onetime, ratelimit, urls
from chalicelib.services.shared.ratelimit import TooMany
from chalicelib.store import refused_for_now
from chalicelib.store.accounts import Account
from chalicelib.store.codes import OneTimeToken, SignupCode

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.ceremonies import Ceremony

KIND = "signup"
CODE_SECONDS = 3600
CEREMONY_SECONDS = 1800
SCOPE = "signup:"  # keeps sign-up code hashes apart from activation and merge codes
PAGE = "/signup"
DEAD = "This code is no longer valid. Ask for a new one."
LINK_GONE = "This sign-up link is not valid, was already used or has expired. Ask for a new code."
EXISTS = "An account already uses this address: sign in, or reset your password if you forgot it."
TOO_MANY = "Too many requests from your network. Try again later."


class AlreadyRegistered(Conflict):
    """The proven address is verified on an account already: sign in or reset instead."""


def start(email: str, client_ip: str, *, store: Store) -> str:
    """Queue a sign-up for this address and return it normalised. The same answer, limits and store
    work for every address: whether it has an account is the worker's business (mail_signup)."""
    if not ratelimit.CLIENT_FORMS.hit(client_ip, store=store):
        raise TooMany(TOO_MANY)
    checked = fields.normalise_and_check_email(email or "")
    if checked is None or len(checked) > 254:
        detail = "Enter your email address, like name@example.org."
        raise Invalid(detail, errors=[{"field": "email", "detail": detail}])
    # Both limits are counted for every address, known or not, before anything is looked up.
    ratelimit.count_code_mail(KIND, checked, store=store)
    mailer.count_mail_to(checked, store=store)
    activation.queue_request(KIND, checked, store=store)
    return checked


def mail_signup(email: str, request_id: str, requested_at: int, *, store: Store) -> str:
    """The mail worker's half of a sign-up: once per request (SQS may deliver it again)."""
    return activation.once(request_id, requested_at, lambda: _mail_now(email, store=store), store=store)


def _mail_now(email: str, *, store: Store) -> str:
    """An address verified on an account gets "sign in or reset" and no code; any other gets a new code
    and link that replace earlier ones (an unverified hold does not block: the sign-up ends it)."""
    owner = store.accounts.owner_of(email)
    if owner is not None and owner.verified:
        mailer.mail(
            email,
            "signup_exists",
            "You already have a Laurel account",
            store=store,
            counted=True,  # start() counted it against the address
            login=f"{urls.base()}/login?email={quote(email)}",
            forgot=f"{urls.base()}/password/forgot",
        )
        return "exists"
    (token, token_hash), (code, salt) = onetime.new_link(), onetime.new_code()
    expires = int(time.time()) + CODE_SECONDS
    previous = store.codes.signup_code(email)
    store.codes.replace_signup(
        SignupCode(email, onetime.code_hash(salt, code, scope=SCOPE), salt, token_hash, expires),
        OneTimeToken(token_hash, KIND, "", email, expires),
        previous=previous.token_hash if previous is not None else None,
    )
    mailer.mail(
        email,
        "signup_code",
        "Your Laurel sign-up code",
        store=store,
        counted=True,
        code=code,
        link=urls.activation_link_url(token, PAGE),
        code_page=f"{urls.activation_page_url(PAGE)}/code?email={quote(email)}",
    )
    return "sent"


def prove_code(email: str, code: str, client_ip: str, *, browser: str, store: Store) -> str:
    """The secret of a `signup` ceremony for this browser, when `code` is the address's live code.
    Each try is counted before the check (5 at most); a right code is spent with its link."""
    email, code = fields.normalise(email), onetime.cleaned(code)
    if not ratelimit.CLIENT_FORMS.hit(client_ip, store=store):
        raise TooMany(TOO_MANY)
    dead = onetime.code_error(DEAD)
    found = store.codes.signup_code(email) if email else None
    if found is None or found.expires_at <= time.time():
        raise dead
    onetime.check(
        code, lambda: store.codes.try_signup_code(email, below=onetime.MAX_ATTEMPTS), dead=dead, scope=SCOPE
    )
    return _proven(email, browser=browser, store=store)


def link_email(token: str, *, store: Store) -> str | None:
    """The address of a live sign-up link, without spending it (mail scanners open links)."""
    found = onetime.live_link(token, KIND, store=store)
    return found.email if found is not None else None


def prove_link(token: str, *, browser: str, store: Store) -> str:
    """The secret of a `signup` ceremony for this browser, when the emailed link is live (once)."""
    found = onetime.live_link(token, KIND, store=store)  # a newer code or a proof drops the link
    if found is None:
        raise Conflict(LINK_GONE)
    return _proven(found.email, browser=browser, store=store)


def _proven(email: str, *, browser: str, store: Store) -> str:
    """The ceremony first, then the code and link go: a busy store leaves the code working."""
    secret = ceremonies.begin(
        KIND, browser=browser, seconds=CEREMONY_SECONDS, data={"email": email}, store=store
    )
    store.codes.drop_signup(email)
    return secret


def proven_email(secret: str, *, browser: str, store: Store) -> str:
    """The address this browser proved (CeremonyGone otherwise), without spending the ceremony."""
    return ceremonies.peek(secret, KIND, browser=browser, store=store).data["email"]


def finish(secret: str, form: dict, *, browser: str, store: Store) -> Account:
    """Make the verified account: the form is checked before the ceremony is spent (a mistake can be
    corrected), then one of two racing requests spends it and writes the account."""
    email = proven_email(secret, browser=browser, store=store)
    reg = accounts.read_registration(form, email)
    password_hash = passwords.hash_password(reg.password)
    holder = store.accounts.owner_of(email)
    if holder is not None and holder.verified:
        raise AlreadyRegistered(EXISTS)
    ceremony = ceremonies.finish(secret, KIND, browser=browser, store=store)
    at = ids.now()
    account = Account(
        id=ids.new_id(),
        first_name=reg.first_name,
        last_name=reg.last_name,
        password_hash=password_hash,
        primary_email=email,
        created_at=at,
        updated_at=at,
        terms_at=at,
        product_mail=reg.product_mail,
    )
    try:
        store.accounts.create_verified(account, email, holder=holder)
    except Taken:
        raise AlreadyRegistered(EXISTS) from None
    except Busy as error:
        if refused_for_now(error):  # nothing was written: the ceremony stays usable
            _restore(ceremony, store=store)
        raise
    return account


def _restore(ceremony: Ceremony, *, store: Store) -> None:
    with contextlib.suppress(Busy, Taken):
        store.ceremonies.put(ceremony)
