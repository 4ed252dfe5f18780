"""One-click unsubscribe from notification mail (award notices) with signed links.

The link is /unsubscribe/{token}, token = base64url(address) "." base64url(HMAC-SHA256(secret,
"unsubscribe:" + address)). Nothing is stored per mail; a tampered token is answered 404.
The secret comes from UNSUBSCRIBE_SECRET; only the local and test stages fall back to a fixed
development value, any other stage refuses to make or check links without it.

An opt-out is OptOutItem OPTOUT#addr (what single notices check: one GetItem) plus the address's
64-bit hash in one of 16 OptOutDigestItem shards (what a bulk job checks for all its recipients with
one BatchGet when it starts). Activation, password reset, address and merge codes are transactional
and always sent.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from hashlib import sha256

from pynamodb.exceptions import TransactWriteError

from chalicelib.config import get_settings
from chalicelib.errors import NotFound
from chalicelib.services.shared import ids, urls
from chalicelib.store.models import OptOutDigestItem, OptOutItem, transaction

LOCAL_SECRET = "laurel-local-unsubscribe-secret-not-for-production"
SHARDS = "0123456789abcdef"


class MissingSecret(RuntimeError):
    """UNSUBSCRIBE_SECRET is required outside the local and test stages."""


def _secret() -> bytes:
    value = os.environ.get("UNSUBSCRIBE_SECRET", "")
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


def _hash(email: str) -> str:
    return ids.sha256_hex(f"optout:{email}")[:16]


def _shard(email: str) -> OptOutDigestItem:
    return OptOutDigestItem("OPTOUT", f"DIGEST#{_hash(email)[0]}")


def opt_out(email: str) -> None:
    """Record the opt-out (idempotent): the item and the digest entry, together."""
    shard = _shard(email)
    try:
        with transaction() as tx:
            tx.save(OptOutItem(f"OPTOUT#{email}", "OPTOUT", email=email, created_at=ids.now()))
            tx.update(shard, actions=[OptOutDigestItem.hashes.add({_hash(email)})])
    except TransactWriteError:  # a concurrent click on the same link won: fine
        if not is_opted_out(email):
            raise


def opt_in(email: str) -> None:
    """Undo an opt-out ("subscribe again")."""
    with transaction() as tx:
        tx.delete(OptOutItem(f"OPTOUT#{email}", "OPTOUT"))
        tx.update(_shard(email), actions=[OptOutDigestItem.hashes.delete({_hash(email)})])


def is_opted_out(email: str) -> bool:
    """One GetItem."""
    try:
        OptOutItem.get(f"OPTOUT#{email}", "OPTOUT")
    except OptOutItem.DoesNotExist:
        return False
    return True


def opted_out_among(emails: list[str]) -> set[str]:
    """Which of these addresses opted out, with one BatchGet of the 16 digest shards (a bulk job)."""
    if not emails:
        return set()
    keys = [("OPTOUT", f"DIGEST#{d}") for d in sorted({_hash(e)[0] for e in emails})]
    hashes: set[str] = set()
    for shard in OptOutDigestItem.batch_get(keys):
        hashes |= shard.hashes or set()
    return {e for e in emails if _hash(e) in hashes}
