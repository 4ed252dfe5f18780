"""Passkeys (WebAuthn, on the `webauthn` library): register one in settings, sign in with one (a
discoverable credential: no address typed, no password), confirm a session with one. Renaming and
removing one are the account's ways in (sign_in_methods.py).

Each ceremony's challenge lives in a ceremony (services/earners/ceremonies.py) bound to the browser that
asked for it: used once, for 5 minutes. User verification (the device's PIN or biometrics) is required
every time; the relying party is the host of PUBLIC_BASE_URL and the only origin is PUBLIC_BASE_URL.
The WebAuthn user handle is the account id: random, and it says nothing about the person.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from chalicelib.errors import Changed, Conflict, Gone, Invalid, LaurelError, NotFound, Taken
from chalicelib.services.earners import ceremonies
from chalicelib.services.shared import fields, ids, mailer, ratelimit, urls
from chalicelib.services.shared.ratelimit import TooMany
from chalicelib.store.passkeys import Passkey

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.accounts import Account
    from chalicelib.store.ceremonies import Ceremony

REGISTER, SIGN_IN, REAUTH = "passkey-register", "passkey-sign-in", "passkey-reauth"
SECONDS = 5 * 60  # a ceremony's life: the challenge is good for one answer within it
MOST = 10  # passkeys per account
MAX_RESPONSE = 16 * 1024  # bytes of a browser's answer (an ES256 registration is about 1 KB)
MAX_NAME = 60
MAX_ID_CHARS = 1364  # WebAuthn caps credential ids at 1023 bytes: 1364 base64url characters
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
DEFAULT_NAME = "Passkey"
MERGE_HOPS = 4  # accounts merged into accounts merged into …: a passkey's handle is followed this far
REFUSED = "This passkey was not accepted. Try again, or sign in another way."
FULL = f"You have {MOST} passkeys, the most an account can hold: remove one first."
NOT_REGISTERED = "This passkey could not be registered. Try again."
TOO_MANY = "Too many sign-in attempts from your network. Wait 15 minutes and try again."


class Refused(LaurelError):
    """A passkey answer that proves nobody: wrong challenge, origin, device or signature, or spent."""

    status = 401
    title = "Unauthorized"


@dataclass(frozen=True)
class Started:
    """A ceremony begun: the options for navigator.credentials (JSON) and the secret that comes back."""

    options: dict[str, Any]
    ceremony: str


def relying_party() -> tuple[str, str]:
    """(rp id, origin): the host of PUBLIC_BASE_URL and PUBLIC_BASE_URL itself."""
    base = urls.base()
    return urlsplit(base).hostname or "", base


def read_name(value: str | None) -> str:
    """The earner's name for a passkey: one line, at most MAX_NAME characters ("Passkey" when blank)."""
    name = (value or "").strip()
    if len(name) > MAX_NAME or any(ord(c) < 32 for c in name) or fields.line_break(name):
        raise Invalid(
            "Check the passkey's name.",
            errors=[{"field": "name", "detail": f"At most {MAX_NAME} characters, on one line."}],
        )
    return name or DEFAULT_NAME


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _answer(response_json: str) -> dict[str, Any]:
    """The browser's answer, bounded before it is parsed; Refused when it is not a credential."""
    if not isinstance(response_json, str) or not response_json or len(response_json) > MAX_RESPONSE:
        raise Refused(REFUSED)
    try:
        answer = json.loads(response_json)
    except (ValueError, RecursionError):
        raise Refused(REFUSED) from None
    if not isinstance(answer, dict) or not plausible_credential_id(answer.get("id")):
        raise Refused(REFUSED)
    return answer


def plausible_credential_id(value: Any) -> bool:
    """Whether a value could be a credential id (base64url of at most 1023 bytes), safe to look up."""
    return (
        isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS and _BASE64URL.fullmatch(value) is not None
    )


def _options_json(options: Any) -> dict[str, Any]:
    from webauthn import options_to_json

    return json.loads(options_to_json(options))


def _challenge(ceremony: Ceremony) -> bytes:
    return _unb64url(ceremony.data["challenge"])


# --- registering a passkey (settings; the route asks for a fresh session) ------------------------


def registration_options(account: Account, *, browser: str, store: Store) -> Started:
    """Options to create a discoverable passkey with user verification for this account; the ones it
    has are excluded (a device does not register twice)."""
    from webauthn import generate_registration_options
    from webauthn.helpers.structs import (
        AttestationConveyancePreference,
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    held = store.passkeys.listing(account.id)
    if len(held) >= MOST:
        raise Conflict(FULL)
    rp_id, _ = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name="Laurel",
        user_name=account.primary_email,
        user_id=account.id.encode(),
        user_display_name=f"{account.first_name} {account.last_name}".strip() or account.primary_email,
        timeout=SECONDS * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=_unb64url(p.credential_id)) for p in held],
    )
    data = {"challenge": _b64url(options.challenge)}
    secret = ceremonies.begin(
        REGISTER, browser=browser, seconds=SECONDS, account_id=account.id, data=data, store=store
    )
    return Started(_options_json(options), secret)


def register(
    account: Account, response_json: str, name: str, secret: str, *, browser: str | None, store: Store
) -> Passkey:
    """Keep the passkey the browser made for this account's ceremony (spent whatever the outcome), then
    mail the primary address: a passkey nobody is told about is never added (the mail is counted first)."""
    from webauthn import verify_registration_response
    from webauthn.helpers.exceptions import WebAuthnException

    name = read_name(name)
    try:
        answer = _answer(response_json)
    except Refused:
        raise Invalid(NOT_REGISTERED) from None
    ceremony = ceremonies.finish(secret, REGISTER, browser=browser, store=store)
    if ceremony.account_id != account.id:
        raise Gone("This passkey setup was started by another account. Start again.")
    rp_id, origin = relying_party()
    try:
        made = verify_registration_response(
            credential=answer,
            expected_challenge=_challenge(ceremony),
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, binascii.Error):
        raise Invalid(NOT_REGISTERED) from None
    mailer.count_mail_to(account.primary_email, store=store)
    passkey = Passkey(
        credential_id=_b64url(made.credential_id),
        account_id=account.id,
        public_key=made.credential_public_key,
        sign_count=made.sign_count,
        name=name,
        created_at=ids.now(),
        transports=_transports(answer),
        aaguid=made.aaguid,
        backed_up=made.credential_backed_up,
    )
    try:
        store.passkeys.add(passkey, most=MOST)
    except Taken:
        raise Conflict("This passkey is registered already.") from None
    except Changed:  # the most passkeys meanwhile, or the account was closed by a merge
        held = len(store.passkeys.listing(account.id))
        raise Conflict(FULL if held >= MOST else "This account was closed meanwhile.") from None
    mailer.mail(
        account.primary_email,
        "passkey_added",
        "A passkey was added to your Laurel account",
        store=store,
        counted=True,
        name=account.first_name,
        passkey_name=name,
        settings_url=f"{urls.base()}/settings/sign-in",
    )
    return passkey


def _transports(answer: dict[str, Any]) -> tuple[str, ...]:
    listed = (
        (answer.get("response") or {}).get("transports") if isinstance(answer.get("response"), dict) else None
    )
    if not isinstance(listed, list):
        return ()
    return tuple(t for t in listed[:8] if isinstance(t, str) and len(t) <= 20)


# --- signing in, and confirming a session, with a passkey ----------------------------------------


def sign_in_options(client_ip: str, *, browser: str, store: Store) -> Started:
    """Options for a discoverable sign-in: no credential listed, so they say nothing about any account.
    Anyone may ask, so each ask is counted against the client before a ceremony is kept."""
    ratelimit.count_form(client_ip, store=store)
    return _assertion_options(SIGN_IN, None, [], browser=browser, store=store)


def reauth_options(account: Account, *, browser: str, store: Store) -> Started:
    """Options to confirm the signed-in account with one of its own passkeys."""
    listed = [p.credential_id for p in store.passkeys.listing(account.id)]
    if not listed:
        raise NotFound("Your account has no passkey yet: confirm another way.")
    return _assertion_options(REAUTH, account.id, listed, browser=browser, store=store)


def _assertion_options(
    kind: str, account_id: str | None, credential_ids: list[str], *, browser: str, store: Store
) -> Started:
    from webauthn import generate_authentication_options
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=SECONDS * 1000,
        allow_credentials=[PublicKeyCredentialDescriptor(id=_unb64url(c)) for c in credential_ids],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    data = {"challenge": _b64url(options.challenge)}
    secret = ceremonies.begin(
        kind, browser=browser, seconds=SECONDS, account_id=account_id, data=data, store=store
    )
    return Started(_options_json(options), secret)


def sign_in(response_json: str, secret: str, client_ip: str, *, browser: str | None, store: Store) -> Account:
    """The account whose passkey answered this browser's challenge. The try is counted against the
    client first; the challenge is spent whatever the outcome (a replayed answer finds it gone)."""
    if not ratelimit.LOGIN_CLIENT.hit(client_ip, store=store):
        raise TooMany(TOO_MANY)
    ceremony = _spend(secret, SIGN_IN, browser=browser, store=store)
    account = _checked(ceremony, _answer(response_json), store=store)
    ratelimit.LOGIN_CLIENT.forgive(client_ip, store=store)
    return account


def reauth(
    account: Account, response_json: str, secret: str, client_ip: str, *, browser: str | None, store: Store
) -> None:
    """The signed-in person proved the account again with one of its passkeys (Refused otherwise)."""
    if not ratelimit.LOGIN_CLIENT.hit(client_ip, store=store):
        raise TooMany(TOO_MANY)
    ceremony = _spend(secret, REAUTH, browser=browser, store=store)
    if (
        ceremony.account_id != account.id
        or _checked(ceremony, _answer(response_json), store=store).id != account.id
    ):
        raise Refused(REFUSED)
    ratelimit.LOGIN_CLIENT.forgive(client_ip, store=store)


def _spend(secret: str, kind: str, *, browser: str | None, store: Store) -> Ceremony:
    try:
        return ceremonies.finish(secret, kind, browser=browser, store=store)
    except ceremonies.CeremonyGone as gone:
        raise Refused(gone.detail) from None


def _user_handle(answer: dict[str, Any]) -> bytes | None:
    response = answer.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    if handle is None:
        return None
    try:
        return _unb64url(handle) if isinstance(handle, str) else b"\0"
    except (binascii.Error, ValueError):
        return b"\0"


def _names(handle: bytes, account_id: str, *, store: Store) -> bool:
    """Whether the user handle (the id of the account the passkey was made for) is this account, or an
    account merged into it: a merge moves the passkeys, the devices keep the handle they were given."""
    named = handle.decode("utf-8", "replace")
    for _ in range(MERGE_HOPS):
        if named == account_id:
            return True
        old = store.accounts.get(named) if ids.plausible_id(named) else None
        if old is None or not old.merged_into:
            return False
        named = old.merged_into
    return False


def _checked(ceremony: Ceremony, answer: dict[str, Any], *, store: Store) -> Account:
    """The open account of the passkey that signed this ceremony's challenge; its sign count moves on."""
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import WebAuthnException

    passkey = store.passkeys.get(answer["id"])
    if passkey is None:
        raise Refused(REFUSED)
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=answer,
            expected_challenge=_challenge(ceremony),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, binascii.Error):
        raise Refused(REFUSED) from None
    handle = _user_handle(answer)  # read once the signature holds: only then is it worth a lookup
    # A discoverable sign-in names its account by the user handle: it must be this credential's account.
    if (handle is None and ceremony.kind == SIGN_IN) or (
        handle is not None and not _names(handle, passkey.account_id, store=store)
    ):
        raise Refused(REFUSED)
    try:  # a racing or replayed answer with the same count loses here
        store.passkeys.used(
            passkey.credential_id,
            old_count=passkey.sign_count,
            new_count=verified.new_sign_count,
            at=ids.now(),
        )
    except Changed:
        raise Refused(REFUSED) from None
    account = store.accounts.get(passkey.account_id)
    if account is None or account.merged_into or account.closed_at:
        raise Refused("This account is closed. Sign in to the account it was merged into.")
    return account
