"""Ceremonies: the short-lived, single-use state of a sign-in that spans requests (an OpenID Connect
round trip, a passkey challenge, a proven sign-up address), found by the SHA-256 of its secret and bound
to one browser (the SHA-256 of its flow cookie). What each kind holds and how long it lives are rules of
the use cases (services/earners/social.py, passkeys.py, open_signup.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Ceremony:
    secret_hash: str
    kind: str  # oidc | oidc-proof | oidc-new | passkey-register | passkey-sign-in | signup
    browser: str  # SHA-256 of the browser's flow cookie: another browser cannot finish it
    expires_at: int  # epoch seconds; the store may keep it a little longer (TTL lag), so it is checked
    account_id: str | None = None
    data: dict[str, str] = field(default_factory=dict)  # the kind's own values (nonce, verifier, claims…)


class CeremonyRepository(Protocol):
    def put(self, ceremony: Ceremony) -> None:
        """Keep a new ceremony (Taken when its secret is in use: draw another)."""
        ...

    def get(self, secret_hash: str) -> Ceremony | None:
        """The ceremony, expired or not, without spending it; None when unknown or spent."""
        ...

    def take(self, secret_hash: str) -> Ceremony | None:
        """Spend the ceremony and return it (expired or not): of two requests racing, one gets it and the
        other None. None when unknown or spent already."""
        ...
