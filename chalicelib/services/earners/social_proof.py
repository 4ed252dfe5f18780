"""After a provider's answer (services/earners/social.py): proving the account that holds the address
before the identity is linked to it, proving an address the provider did not vouch for, and creating a new
account from an identity (terms asked).

The proof is about the account, as for a merge: its password (each try counted before it is checked,
against the same limits as signing in: 16 parallel wrong passwords get 5 tries), or a 6-digit code mailed
to the address, bound to the ceremony that asked (another browser or sign-in cannot use it), 15 minutes,
5 tries. Only then is the identity linked, and the account's primary address is told. An address the
provider did not vouch for is proven the same way, by a code mailed to the address the person names.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from chalicelib.errors import Conflict, Invalid, Taken
from chalicelib.services.earners import accounts, ceremonies, passwords, providers, social
from chalicelib.services.earners.social import NeedsTerms, SignedIn, link, tell_linked
from chalicelib.services.shared import fields, ids, mailer, onetime, ratelimit
from chalicelib.store.accounts import Account
from chalicelib.store.codes import LinkCode
from chalicelib.store.identities import Identity

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.ceremonies import Ceremony

CODE_SECONDS = 900
SCOPE = "link:"  # link codes hash apart from other codes
PROOF = "oidc-proof"
NEW = "oidc-new"
ADDRESS = social.ADDRESS
NEW_SECONDS = social.NEW_SECONDS
CHANGED = "The account that holds this address changed meanwhile. Start again."


def proof(secret: str, *, browser: str | None, store: Store) -> Ceremony:
    """The live proof ceremony (for the page that shows it)."""
    return ceremonies.peek(secret, PROOF, browser=browser, store=store)


def _holder(ceremony: Ceremony, *, store: Store) -> Account:
    """The account to prove, while it is open and still holds the address verified."""
    owner = store.accounts.owner_of(ceremony.data["email"])
    account = store.accounts.get(ceremony.account_id or "")
    if (
        owner is None
        or not owner.verified
        or owner.account_id != ceremony.account_id
        or account is None
        or account.merged_into
        or account.closed_at
    ):
        raise Conflict(CHANGED)
    return account


def by_password(secret: str, password: str, client_ip: str, *, browser: str | None, store: Store) -> SignedIn:
    """The holding account's password proves it: link the identity and sign in."""
    ceremony = ceremonies.peek(secret, PROOF, browser=browser, store=store)
    account = _holder(ceremony, store=store)
    tries = accounts.PasswordTries(account.id, client_ip)
    tries.count("Too many failed attempts. Wait 15 minutes, or use a code sent to the address.", store=store)
    if not passwords.verify(account.password_hash, password or ""):
        detail = "This is not the password of the Laurel account that holds this address."
        raise Invalid(detail, errors=[{"field": "password", "detail": detail}])
    tries.forgive(store=store)
    return _link(ceremonies.finish(secret, PROOF, browser=browser, store=store), store=store)


def send_code(secret: str, client_ip: str, *, browser: str | None, store: Store) -> str:
    """Mail a code to the address (the one the provider gave, verified on the account); the address."""
    ceremony = ceremonies.peek(secret, PROOF, browser=browser, store=store)
    _holder(ceremony, store=store)
    email = ceremony.data["email"]
    _mail_code(ceremony, email, ceremony.account_id, client_ip, store=store)
    return email


def _mail_code(ceremony: Ceremony, email: str, owner_id: str | None, client_ip: str, *, store: Store) -> None:
    """Count the form and the mail first, then mail a code for this ceremony to `email`: to link the
    identity to `owner_id`'s account, or (no owner) to prove an address the provider did not vouch for."""
    ratelimit.count_form(client_ip, store=store)
    ratelimit.count_code_mail("link", email, store=store, inbox="that inbox")
    mailer.count_mail_to(email, store=store)
    code, salt = onetime.new_code()
    code_hash = onetime.code_hash(salt, code, scope=SCOPE)
    expires = int(time.time()) + CODE_SECONDS
    store.codes.put_link_code(LinkCode(email, ceremony.secret_hash, owner_id or "", code_hash, salt, expires))
    title = providers.get(ceremony.data["provider"]).title
    subject = (
        f"Your code to link {title} to your Laurel account"
        if owner_id
        else f"Your code to sign in to Laurel with {title}"
    )
    mailer.mail(email, "link_code", subject, store=store, counted=True, code=code, provider=title)


def by_code(secret: str, code: str, client_ip: str, *, browser: str | None, store: Store) -> SignedIn:
    """The code mailed to the address proves the account: link the identity and sign in."""
    ceremony = ceremonies.peek(secret, PROOF, browser=browser, store=store)
    email = ceremony.data["email"]
    _check_code(ceremony, email, code, client_ip, store=store)
    signed_in = _link(ceremonies.finish(secret, PROOF, browser=browser, store=store), store=store)
    with contextlib.suppress(Exception):  # a code left over is bound to a spent ceremony: it opens nothing
        store.codes.drop_link_code(email)
    return signed_in


def _link(ceremony: Ceremony, *, store: Store) -> SignedIn:
    account = _holder(ceremony, store=store)
    provider = providers.get(ceremony.data["provider"])
    link(account, provider, ceremony.data["subject"], ceremony.data["email"], store=store)
    return SignedIn(store.accounts.get(account.id) or account, ceremony.data.get("next", ""))


# --- an address the provider did not vouch for, proven by a code -------------------------------------


def address(secret: str, *, browser: str | None, store: Store) -> Ceremony:
    """The live address ceremony (for the page that asks for the address)."""
    return ceremonies.peek(secret, ADDRESS, browser=browser, store=store)


def send_address_code(secret: str, email: str, client_ip: str, *, browser: str | None, store: Store) -> str:
    """Mail a code to the address the person typed; the same answer whoever holds it. The address."""
    ceremony = ceremonies.peek(secret, ADDRESS, browser=browser, store=store)
    checked = fields.normalise_and_check_email(email or "")
    if checked is None or len(checked) > 254:
        detail = "Enter a valid email address."
        raise Invalid(detail, errors=[{"field": "email", "detail": detail}])
    _mail_code(ceremony, checked, "", client_ip, store=store)
    return checked


def by_address_code(
    secret: str, email: str, code: str, client_ip: str, *, browser: str | None, store: Store
) -> SignedIn | NeedsTerms:
    """The code proves the address: the account that holds it verified gets the identity linked (the
    code is the same proof a link code is); otherwise the new account's terms."""
    ceremony = ceremonies.peek(secret, ADDRESS, browser=browser, store=store)
    email = fields.normalise(email)
    _check_code(ceremony, email, code, client_ip, store=store)
    ceremony = ceremonies.finish(secret, ADDRESS, browser=browser, store=store)
    with contextlib.suppress(Exception):  # bound to a spent ceremony: it opens nothing any more
        store.codes.drop_link_code(email)
    provider = providers.get(ceremony.data["provider"])
    data = {**ceremony.data, "email": email}
    holder = store.accounts.owner_of(email)
    if holder is not None and holder.verified:
        proven = replace(ceremony, account_id=holder.account_id, data=data)
        return _link(proven, store=store)
    secret = ceremonies.begin(NEW, browser=browser, seconds=NEW_SECONDS, data=data, store=store)
    return NeedsTerms(secret, email, provider, data.get("first_name", ""), data.get("last_name", ""))


def _check_code(ceremony: Ceremony, email: str, code: str, client_ip: str, *, store: Store) -> None:
    """Count a try of the code mailed to `email` for this ceremony, then compare (onetime.check)."""
    ratelimit.count_form(client_ip, store=store)
    dead = onetime.code_error("This code is no longer valid. Ask for a new one.")
    found = store.codes.link_code(email) if email else None
    if found is None or found.ceremony_hash != ceremony.secret_hash or found.expires_at <= time.time():
        raise dead
    onetime.check(
        onetime.cleaned(code),
        lambda: store.codes.try_link_code(email, below=onetime.MAX_ATTEMPTS),
        dead=dead,
        scope=SCOPE,
    )


# --- a new account from an identity -------------------------------------------------------------


def new_account(secret: str, *, browser: str | None, store: Store) -> Ceremony:
    """The live terms ceremony (for the page that shows it)."""
    return ceremonies.peek(secret, NEW, browser=browser, store=store)


def create(secret: str, form: dict, *, browser: str | None, store: Store) -> SignedIn:
    """The terms accepted (names checked, product mail optional): a passwordless account with the
    provider's address verified and the identity linked, in one transaction."""
    ceremony = ceremonies.peek(secret, NEW, browser=browser, store=store)
    first, last, product_mail = read_details(form)
    ceremony = ceremonies.finish(secret, NEW, browser=browser, store=store)
    data = ceremony.data
    provider = providers.get(data["provider"])
    email, at = data["email"], ids.now()
    taken = Conflict(
        "An account uses this address now. Sign in to it, then link "
        f"{provider.title} on your sign-in settings page."
    )
    holder = store.accounts.owner_of(email)
    if holder is not None and holder.verified:
        raise taken
    account = Account(
        id=ids.new_id(),
        first_name=first,
        last_name=last,
        password_hash=None,
        primary_email=email,
        created_at=at,
        updated_at=at,
        ways_in=1,
        terms_at=at,
        product_mail=product_mail,
    )
    identity = Identity(provider.id, data["subject"], account.id, at, email=email)
    try:  # an unverified hold of the address (someone's unactivated registration) ends here
        store.accounts.create_verified(account, email, holder=holder, identity=identity)
    except Taken:
        raise taken from None
    tell_linked(account, provider, email, store=store)
    return SignedIn(account, data.get("next", ""))


def read_details(form: dict) -> tuple[str, str, bool]:
    """(first name, last name, product mail) from the terms form; Invalid lists every failing field."""
    errors: dict[str, str] = {}
    names = []
    for name, label in (("first_name", "first name"), ("last_name", "last name")):
        value = form.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            errors[name] = f"Enter your {label}."
        elif len(value) > accounts.MAX_NAME or any(ord(c) < 32 for c in value) or fields.line_break(value):
            errors[name] = f"Your {label} must be at most {accounts.MAX_NAME} characters, on one line."
        names.append(value)
    if form.get("terms") not in ("on", "yes", "1", "true"):
        errors["terms"] = "Accept the terms to create your account."
    if errors:
        raise Invalid(
            "Some fields need your attention.", errors=[{"field": k, "detail": v} for k, v in errors.items()]
        )
    return names[0], names[1], form.get("product_mail") in ("on", "yes", "1", "true")
