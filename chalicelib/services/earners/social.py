"""Social sign-in over OpenID Connect: the round trip to a provider and what its answer leads to.

`begin` keeps an "oidc" ceremony (state = its secret, bound to the browser's flow cookie; the nonce and
the PKCE verifier stay on the server) and gives the provider's authorize URL. `finish` spends it, trades
the code for an ID token (id_tokens.check) and decides:

- an identity linked already signs in to its account (not to a merged or closed one);
- started from settings, it is linked to the signed-in account that started it;
- a new identity whose provider vouches for its address, when an account holds that address verified:
  NeedsProof, never a silent link (the account's password or a code mailed to the address, in
  social_proof.py);
- otherwise NeedsTerms: a new, passwordless account with the address verified (social_proof.py);
- an address the provider does not vouch for (`email_verified` false, Microsoft, generic issuers) finds
  and creates nothing until the person proves an address with a code mailed there (NeedsAddress); then
  as above (the code proves the address, so it also proves the account that holds it verified).
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.config import ConfigError
from chalicelib.errors import Busy, Changed, Conflict, NotFound, Taken
from chalicelib.services.earners import ceremonies, id_tokens, providers
from chalicelib.services.earners.id_tokens import Refused
from chalicelib.services.shared import fields, ids, mailer, ratelimit, urls
from chalicelib.services.shared.ratelimit import TooMany
from chalicelib.store.identities import Identity

if TYPE_CHECKING:
    from chalicelib.services.earners.providers import Provider
    from chalicelib.store import Store
    from chalicelib.store.accounts import Account
    from chalicelib.store.ceremonies import Ceremony

log = logging.getLogger(__name__)

FLOW_SECONDS = 600  # the round trip to the provider
PROOF_SECONDS = 900  # proving the account that holds the address (as long as a link code lives)
NEW_SECONDS = 1800  # the terms page of a new account
MAX_PARAM = 4096  # state, code and error as the provider sends them back
ANSWER = ("state", "code", "error", "iss", "user")  # what a provider's answer may hold that we read
ADDRESS = "oidc-address"


@dataclass(frozen=True)
class SignedIn:
    account: Account
    next: str


@dataclass(frozen=True)
class Linked:
    """Linked from settings to the signed-in account (or it was already)."""

    account: Account
    provider: Provider
    already: bool = False


@dataclass(frozen=True)
class Confirmed:
    """The signed-in person signed in again at a provider linked to their account (reauth)."""

    account: Account
    next: str


@dataclass(frozen=True)
class NeedsProof:
    secret: str  # the "oidc-proof" ceremony, for the proof page's forms
    email: str
    provider: Provider
    has_password: bool


@dataclass(frozen=True)
class NeedsAddress:
    """The provider does not vouch for an address (email_verified false, Microsoft, generic issuers): the
    person names one and proves it with a code mailed there (social_proof.py) before anything is found or
    created with it."""

    secret: str  # the "oidc-address" ceremony
    suggested: str  # the address the provider gave, only to fill the field
    provider: Provider


@dataclass(frozen=True)
class NeedsTerms:
    secret: str  # the "oidc-new" ceremony
    email: str
    provider: Provider
    first_name: str
    last_name: str


def redirect_uri(provider: Provider) -> str:
    return f"{urls.base()}/login/oidc/{provider.id}/callback"


def begin(
    provider: Provider,
    *,
    next: str,
    browser: str,
    store: Store,
    account_id: str | None = None,
    reauth: bool = False,
    client_ip: str = "unknown",
) -> str:
    """The provider's authorize URL for this browser. `account_id`: link to that (signed-in) account, or
    with `reauth`, have its person sign in again at a provider linked to it (a fresh session)."""
    from authlib.common.urls import add_params_to_uri
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    # Anyone may start one, and each keeps a ceremony: counted per client before anything is written.
    ratelimit.count_form(client_ip, store=store)
    meta = store.openid.metadata(provider.discovery_issuer)
    _same_issuer(provider, meta)
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(24)
    data = {"provider": provider.id, "nonce": nonce, "verifier": verifier, "next": next}
    if reauth:
        data["purpose"] = "reauth"
        data["started"] = str(int(time.time()))
    state = ceremonies.begin(
        "oidc", browser=browser, seconds=FLOW_SECONDS, account_id=account_id, data=data, store=store
    )
    params = provider.authorize_params() | {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri(provider),
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if reauth:  # the provider asks for the password (or its own check) again, and says when
        params |= {"prompt": "login", "max_age": "0"}
    return add_params_to_uri(meta["authorization_endpoint"], list(params.items()))


def _same_issuer(provider: Provider, meta: dict) -> None:
    """Discovery must state the issuer we asked (OpenID Connect Discovery 4.3)."""
    if meta.get("issuer") not in (provider.expected_issuer, provider.discovery_issuer):
        raise Refused(id_tokens.REFUSED)


def finish(
    provider: Provider,
    answer: dict[str, str],
    *,
    browser: str | None,
    store: Store,
    signed_in: Callable[[], Account | None] = lambda: None,
) -> SignedIn | Linked | Confirmed | NeedsAddress | NeedsProof | NeedsTerms:
    """What the provider's answer (the callback's `state`, `code` or `error`, Apple's `user`) leads to.
    `signed_in` reads the browser's session, only for a link or a reauth (a sign-in needs none)."""
    state, code = _param(answer, "state"), _param(answer, "code")
    ceremony = ceremonies.finish(state, "oidc", browser=browser, store=store)  # spent: one use
    if ceremony.data.get("provider") != provider.id:
        raise Refused("This answer came back for another sign-in provider. Start again.")
    if _param(answer, "error") or not code:
        raise Refused(f"{provider.title} did not sign you in. Start again, or sign in another way.")
    said = _param(answer, "iss")  # RFC 9207: who answered, against a mix-up of providers
    if said and id_tokens.TENANT not in provider.expected_issuer and said != provider.expected_issuer:
        raise Refused("This answer came back from another sign-in provider. Start again.")
    claims = _claims(provider, code, ceremony, store=store)
    if ceremony.data.get("purpose") == "reauth":
        return _confirm(provider, claims, ceremony, signed_in(), store=store)
    if ceremony.account_id is not None:
        return _link_from_settings(provider, claims, ceremony, signed_in(), store=store)
    nxt = ceremony.data.get("next", "")
    identity = store.identities.owner(provider.id, claims["sub"])
    if identity is not None:
        return SignedIn(_linked_account(provider, identity, store=store), nxt)
    first, last = provider.names(claims, _apple_user(answer))
    data = {"provider": provider.id, "subject": claims["sub"], "next": nxt, "first_name": first}
    data |= {"last_name": last}
    email = fields.normalise(claims.get("email") or "") if provider.trusts_email(claims) else ""
    if not plausible(email):  # the provider does not vouch for it: a code to the address decides
        given = claims.get("email")
        suggested = fields.normalise_and_check_email(given) if isinstance(given, str) else None
        secret = ceremonies.begin(ADDRESS, browser=browser, seconds=NEW_SECONDS, data=data, store=store)
        return NeedsAddress(secret, suggested or "", provider)
    return after_address(provider, email, data, browser=browser, store=store)


def plausible(email: str) -> bool:
    return 3 <= len(email) <= 254 and "@" in email


def after_address(
    provider: Provider, email: str, data: dict[str, str], *, browser: str | None, store: Store
) -> NeedsProof | NeedsTerms:
    """The provider vouches for the address: the account that holds it verified asks for its proof (never
    a silent link); otherwise a new account's terms."""
    data = {**data, "email": email}
    first, last = data.get("first_name", ""), data.get("last_name", "")
    holder = store.accounts.owner_of(email)
    if holder is not None and holder.verified:
        owner = store.accounts.get(holder.account_id)
        if owner is None or owner.merged_into or owner.closed_at:
            raise Conflict("The account that holds this address is being merged or closed. Try later.")
        secret = ceremonies.begin(
            "oidc-proof", browser=browser, seconds=PROOF_SECONDS, account_id=owner.id, data=data, store=store
        )
        return NeedsProof(secret, email, provider, bool(owner.password_hash))
    secret = ceremonies.begin("oidc-new", browser=browser, seconds=NEW_SECONDS, data=data, store=store)
    return NeedsTerms(secret, email, provider, first, last)


def _param(answer: dict, name: str) -> str:
    value = answer.get(name)
    return value if isinstance(value, str) and len(value) <= MAX_PARAM else ""


def _apple_user(answer: dict) -> dict:
    """Apple's first answer carries the person's name as JSON in the `user` form field."""
    try:
        user = json.loads(_param(answer, "user") or "{}")
    except ValueError:
        return {}
    return user if isinstance(user, dict) else {}


def _claims(provider: Provider, code: str, ceremony: Ceremony, *, store: Store) -> dict[str, Any]:
    """Trade the code (with the PKCE verifier) for tokens and check the ID token."""
    meta = store.openid.metadata(provider.discovery_issuer)
    _same_issuer(provider, meta)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(provider),
        "code_verifier": ceremony.data.get("verifier", ""),
    }
    secret = provider.client_secret_value(store=store)
    methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth = None
    if "client_secret_basic" in methods:
        auth = (provider.client_id, secret)
    else:  # client_secret_post (LinkedIn, Apple)
        form |= {"client_id": provider.client_id, "client_secret": secret}
    tokens = store.openid.exchange(meta["token_endpoint"], form, auth=auth)
    check = {"issuer": provider.expected_issuer, "client_id": provider.client_id}
    check |= {"nonce": ceremony.data.get("nonce", ""), "now": int(time.time())}
    try:
        return id_tokens.check(tokens.get("id_token"), store.openid.jwks(meta["jwks_uri"]), **check)
    except id_tokens.UnknownKey:  # keys rotated since we kept them: fetch once more
        keys = store.openid.jwks(meta["jwks_uri"], refresh=True)
        return id_tokens.check(tokens.get("id_token"), keys, **check)


def _linked_account(provider: Provider, identity: Identity, *, store: Store) -> Account:
    account = store.accounts.get(identity.account_id)
    if account is None or account.merged_into or account.closed_at:
        raise Refused(
            f"This {provider.title} sign-in belongs to a Laurel account that was merged into another or "
            "closed. Sign in to the account it was merged into, and link it there."
        )
    with contextlib.suppress(Busy):  # a record of use, never a reason to refuse the sign-in
        store.identities.touch(identity.provider, identity.subject, at=ids.now())
    return account


def _link_from_settings(
    provider: Provider, claims: dict, ceremony: Ceremony, signed_in: Account | None, *, store: Store
) -> Linked:
    """The provider answered a link started from settings: link it to that account, still signed in."""
    if signed_in is None or signed_in.id != ceremony.account_id:
        raise Refused("Sign in to the account you were linking from, then start again.")
    found = store.identities.owner(provider.id, claims["sub"])
    if found is not None:
        if found.account_id == signed_in.id:
            return Linked(signed_in, provider, already=True)
        raise Conflict(f"This {provider.title} sign-in is linked to another Laurel account.")
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    link(signed_in, provider, claims["sub"], email, store=store)
    return Linked(store.accounts.get(signed_in.id) or signed_in, provider)


def _confirm(
    provider: Provider, claims: dict, ceremony: Ceremony, signed_in: Account | None, *, store: Store
) -> Confirmed:
    """A reauth: the identity must be linked to the signed-in account that asked, and signed in just now."""
    if signed_in is None or signed_in.id != ceremony.account_id:
        raise Refused("Sign in to the account you were confirming, then start again.")
    found = store.identities.owner(provider.id, claims["sub"])
    if found is None or found.account_id != signed_in.id:
        raise Refused(f"This {provider.title} sign-in is not linked to your Laurel account.")
    auth_time = claims.get("auth_time")
    started = int(ceremony.data.get("started", "0"))
    if isinstance(auth_time, int | float) and auth_time < started - id_tokens.LEEWAY_SECONDS:
        raise Refused(f"{provider.title} did not ask you to sign in again. Start again.")
    return Confirmed(signed_in, ceremony.data.get("next", ""))


def link(account: Account, provider: Provider, subject: str, email: str | None, *, store: Store) -> None:
    """Link the identity to the account (one more way in) and tell the account's primary address."""
    identity = Identity(provider.id, subject, account.id, ids.now(), email=email and email[:254])
    try:
        store.identities.link(identity)
    except Taken:
        raise Conflict(f"This {provider.title} sign-in was linked to an account meanwhile.") from None
    except Changed:
        raise Conflict("This account was closed or merged meanwhile.") from None
    tell_linked(account, provider, email, store=store)


def tell_linked(account: Account, provider: Provider, email: str | None, *, store: Store) -> None:
    """Mail the primary address that a sign-in was linked (best effort: over its mail cap, nothing)."""
    try:
        mailer.mail(
            account.primary_email,
            "identity_linked",
            f"{provider.title} can now sign in to your Laurel account",
            store=store,
            provider=provider.title,
            identity_email=email or "",
        )
    except TooMany:
        log.info("identity_linked not mailed: the primary address is over its mail caps")


# --- settings ------------------------------------------------------------------------------------


def listing(account: Account, *, store: Store) -> dict[str, Any]:
    """For the sign-in settings page (templates/pages/_identities.html): the linked identities, and the
    configured providers not linked yet."""
    try:
        configured = providers.configured()
    except ConfigError:  # a bad OIDC_PROVIDERS: the page still lists (and unlinks) what is linked
        log.exception("OIDC_PROVIDERS cannot be read")
        configured = {}
    linked = store.identities.listing(account.id)
    rows = [
        {
            "provider": i.provider,
            "title": configured[i.provider].title if i.provider in configured else i.provider,
            "subject_hash": ids.sha256_hex(i.subject)[:16],
            "email": i.email,
            "created_at": i.created_at,
            "last_used_at": i.last_used_at,
        }
        for i in linked
    ]
    used = {i.provider for i in linked}
    linkable = [p for p in configured.values() if p.id not in used]
    return {"identities": rows, "linkable": linkable}


def unlink(account: Account, provider_id: str, subject_hash: str, *, store: Store) -> None:
    """Unlink one of the account's identities; never its last way in."""
    found = [
        i
        for i in store.identities.listing(account.id)
        if i.provider == provider_id and ids.sha256_hex(i.subject)[:16] == subject_hash
    ]
    if not found:
        raise NotFound("This sign-in is not linked to your account.")
    try:
        store.identities.unlink(account.id, found[0].provider, found[0].subject)
    except Changed:
        raise Conflict(
            "This is your last way to sign in. Set a password or add a passkey first, then unlink it."
        ) from None
