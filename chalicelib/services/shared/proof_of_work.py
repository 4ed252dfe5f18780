"""The "I'm not a robot" check of the forms anyone can post (ALTCHA's proof of work, self-hosted): a signed,
expiring challenge for the widget, and the one check of its solution, spent on first use.

A challenge is in ALTCHA's deterministic mode: the server picks the counter, so every person's browser does
about the same work (COUNTERS derivations of PBKDF2-SHA-256 at ALTCHA_COST iterations), and a solution is
checked with two HMACs, never a key derivation: a flood of wrong answers costs us next to nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import TYPE_CHECKING

from chalicelib.config import ConfigError, get_settings
from chalicelib.errors import Invalid
from chalicelib.services.shared import ratelimit

if TYPE_CHECKING:
    from chalicelib.store import Store

FIELD = "altcha"  # the widget's hidden input
ALGORITHM = "PBKDF2/SHA-256"  # native in browsers (WebCrypto), no WebAssembly worker needed
LIFETIME = 600  # seconds a challenge may be solved and sent in
COUNTERS = (20, 60)  # the secret counter is drawn from this range: derivations a browser tries, about
MAX_PAYLOAD = 4096  # a real payload is ~700 characters; longer ones are refused before any decoding
# Single use: the challenge's signature is counted once, in the window its expiry falls in (the counter
# outlives the challenge: it is kept two windows), like a queued mail request (ratelimit.MAIL_REQUEST_ONCE).
ONCE = ratelimit.Limit("altcha-once", 1, 3600)
# Development stages only (local, test): a deployed stage without ALTCHA_SECRET_PARAMETER makes no challenge.
DEVELOPMENT_KEY = "laurel-development-proof-of-work-key"

UNSOLVED = "Tick “I'm not a robot” and wait until it says verified, then send the form again."
EXPIRED = "The “I'm not a robot” check expired. Tick it again, then send the form."
USED = "This “I'm not a robot” check was already used. Tick it again, then send the form."


class NotSolved(Invalid):
    """No valid, unspent solution came with the form (422 on the field "altcha")."""

    def __init__(self, detail: str = UNSOLVED) -> None:
        super().__init__(detail, errors=[{"field": FIELD, "detail": detail}])


def new_challenge(*, store: Store) -> dict:
    """A fresh challenge for the widget (JSON): signed, expiring in LIFETIME seconds."""
    import altcha  # lazy: only the forms that need it pay for the import

    key = _key(store)
    low, high = COUNTERS
    challenge = altcha.create_challenge(
        ALGORITHM,
        get_settings().altcha_cost,
        counter=low + secrets.randbelow(high - low),
        expires_at=int(time.time()) + LIFETIME,
        hmac_secret=key,
        hmac_key_secret=_key_signing_key(key),
    )
    return challenge.to_dict()


def require_solved(form: dict[str, str], *, store: Store) -> None:
    """Pass when the form carries a solved, unexpired challenge of ours, and spend it; NotSolved otherwise.
    Call it before any other counter or write of the form: a refused form leaves nothing behind."""
    payload = form.get(FIELD) or ""
    if not payload or len(payload) > MAX_PAYLOAD:  # the length first: nothing oversized is decoded
        raise NotSolved()
    signature, expires_at = _verified(payload, _key(store))
    if not ONCE.hit(signature, at=expires_at, store=store):
        raise NotSolved(USED)


def _verified(payload: str, key: str) -> tuple[str, int]:
    """The verified challenge's signature and expiry; NotSolved for anything else."""
    import altcha

    try:
        parsed = altcha.Payload.from_base64(payload)
        result = altcha.verify_solution(parsed, key, hmac_key_secret=_key_signing_key(key))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):  # not a payload at all
        raise NotSolved() from None
    if result.expired:
        raise NotSolved(EXPIRED)
    expires_at = parsed.challenge.parameters.expires_at
    # Every challenge we sign expires; a signed one without expiry (an old key's?) is not ours to honour.
    if not result.verified or not isinstance(expires_at, int):
        raise NotSolved()
    return parsed.challenge.signature, expires_at


def _key(store: Store) -> str:
    """The HMAC key challenges are signed with: a secret (SSM or Secrets Manager) on deployed stages."""
    settings = get_settings()
    if settings.altcha_secret_parameter:
        key = store.secrets.get(settings.altcha_secret_parameter)
        if not key:
            raise ConfigError(f"The secret {settings.altcha_secret_parameter!r} is empty.")
        return key
    if settings.is_local:
        return DEVELOPMENT_KEY
    raise ConfigError(
        "ALTCHA_SECRET_PARAMETER is not set: name the SSM parameter or the Secrets Manager secret holding "
        "the key that signs the forms' proof-of-work challenges."
    )


def _key_signing_key(key: str) -> str:
    """A second key, derived from the first, for the derived keys' signatures (ALTCHA's fast check)."""
    return hmac.new(key.encode(), b"laurel altcha derived-key signatures", hashlib.sha256).hexdigest()
