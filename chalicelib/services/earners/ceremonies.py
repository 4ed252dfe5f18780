"""Sign-in ceremonies: state that lives across requests of one sign-in (an OpenID Connect round trip,
a passkey challenge, a proven sign-up address), single use, short-lived and bound to the browser that
started it. The secret goes into a URL or a form; the store keeps only its SHA-256."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from chalicelib.errors import Gone, Taken
from chalicelib.services.shared import ids

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.ceremonies import Ceremony


class CeremonyGone(Gone):
    """Unknown, spent, expired, of another kind or of another browser: all look the same to a person."""


GONE = "This sign-in expired or was started in another browser. Start again."


def begin(
    kind: str,
    *,
    browser: str,
    seconds: int,
    account_id: str | None = None,
    data: dict[str, str] | None = None,
    store: Store,
) -> str:
    """Keep a new ceremony; the secret that names it (for a URL, a form or OpenID's `state`)."""
    from chalicelib.store.ceremonies import Ceremony

    secret = ids.new_secret()
    ceremony = Ceremony(
        secret_hash=ids.sha256_hex(secret),
        kind=kind,
        browser=browser,
        expires_at=int(time.time()) + seconds,
        account_id=account_id,
        data=dict(data or {}),
    )
    try:
        store.ceremonies.put(ceremony)
    except Taken:  # 256 random bits: never in practice; a clear refusal rather than an overwrite
        raise CeremonyGone(GONE) from None
    return secret


def peek(secret: str, kind: str, *, browser: str | None, store: Store) -> Ceremony:
    """The live ceremony, not spent (a page that shows it before a form finishes it)."""
    return _checked(store.ceremonies.get(_hash(secret)), kind, browser)


def finish(secret: str, kind: str, *, browser: str | None, store: Store) -> Ceremony:
    """Spend the ceremony and return it: of two racing requests, one gets it. Checked before it is spent,
    so another browser holding the secret (a forwarded link) cannot destroy the owner's ceremony."""
    peek(secret, kind, browser=browser, store=store)
    return _checked(store.ceremonies.take(_hash(secret)), kind, browser)


def _hash(secret: str) -> str:
    return ids.sha256_hex(secret) if secret and len(secret) <= 200 else ""


def _checked(found: Ceremony | None, kind: str, browser: str | None) -> Ceremony:
    if (
        found is None
        or found.kind != kind
        or browser is None
        or found.browser != browser
        or found.expires_at <= time.time()
    ):
        raise CeremonyGone(GONE)
    return found
