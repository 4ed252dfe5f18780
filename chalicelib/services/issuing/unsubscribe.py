"""One-click unsubscribe from notification mail (award notices) with signed links.

The link is /unsubscribe/{token}, token = base64url(address) "." base64url(HMAC-SHA256(secret,
"unsubscribe:" + address)). Nothing is stored per mail; a tampered token is answered 404.
The secret comes from UNSUBSCRIBE_SECRET; only the local and test stages fall back to a fixed
development value, any other stage refuses to make or check links without it.

Opt-outs are kept by the store's OptOutRepository: a single notice checks its address (one read), a
bulk job all its recipients at once (one read). Activation, password reset, address and merge codes
are transactional and always sent.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from hashlib import sha256
from typing import TYPE_CHECKING

from chalicelib.config import get_settings, unsubscribe_secret
from chalicelib.errors import NotFound
from chalicelib.services.shared import ids, urls

if TYPE_CHECKING:
    from chalicelib.store import Store

LOCAL_SECRET = "laurel-local-unsubscribe-secret-not-for-production"


class MissingSecret(RuntimeError):
    """UNSUBSCRIBE_SECRET is required outside the local and test stages."""


def _secret() -> bytes:
    value = unsubscribe_secret()
    if value:
        return value.encode()
    if get_settings().is_local:
        return LOCAL_SECRET.encode()
    raise MissingSecret("UNSUBSCRIBE_SECRET must be set on this stage")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(email: str) -> str:
    return _b64(hmac.new(_secret(), f"unsubscribe:{email}".encode(), sha256).digest())


def token(email: str) -> str:
    email = email.strip().lower()
    return f"{_b64(email.encode())}.{_signature(email)}"


def url(email: str) -> str:
    return urls.unsubscribe_url(token(email))


def address(signed: str) -> str:
    """The address a token was made for; NotFound when it is malformed or the signature is wrong."""
    not_found = NotFound("This unsubscribe link is not valid.")
    if not signed or len(signed) > 500 or signed.count(".") != 1:
        raise not_found
    encoded, signature = signed.split(".")
    try:
        email = _unb64(encoded).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise not_found from None
    if not email or email != email.strip().lower() or not hmac.compare_digest(signature, _signature(email)):
        raise not_found
    return email


def opt_out(email: str, *, store: Store) -> None:
    """Record the opt-out (idempotent)."""
    store.optouts.opt_out(email, at=ids.now())


def opt_in(email: str, *, store: Store) -> None:
    """Undo an opt-out ("subscribe again")."""
    store.optouts.opt_in(email)


def is_opted_out(email: str, *, store: Store) -> bool:
    """One GetItem."""
    return store.optouts.is_opted_out(email)


def opted_out_among(emails: list[str], *, store: Store) -> set[str]:
    """Which of these addresses opted out, with one read (a bulk job)."""
    return store.optouts.opted_out_among(emails)
