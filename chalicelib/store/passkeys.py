"""Passkeys: WebAuthn credentials of an account, found by their credential id (base64url). Adding one
adds a way in to the account, removing takes one away, and never the last; the sign count only moves
forward (the rules are in services/earners/passkeys.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Passkey:
    credential_id: str  # base64url, as the browser names it
    account_id: str
    public_key: bytes  # COSE key, as webauthn's verify_registration_response returns it
    sign_count: int
    name: str  # the earner's own name for it ("Phone", "YubiKey")
    created_at: datetime
    transports: tuple[str, ...] = ()
    aaguid: str = ""
    backed_up: bool = False  # synced passkey (iCloud Keychain, Google Password Manager)
    last_used_at: datetime | None = None


class PasskeyRepository(Protocol):
    def get(self, credential_id: str) -> Passkey | None:
        """The passkey with this credential id (read consistently); None when unknown or removed."""
        ...

    def listing(self, account_id: str) -> list[Passkey]:
        """The account's passkeys (one Query), oldest first."""
        ...

    def add(self, passkey: Passkey, *, most: int) -> None:
        """Keep a new passkey on its open account, one more way in. Taken when the credential id is
        known; Changed when the account holds `most` passkeys already, or is closed or gone."""
        ...

    def used(self, credential_id: str, *, old_count: int, new_count: int, at: datetime) -> None:
        """A sign-in with the passkey: its sign count moves from `old_count` to `new_count`. Changed when
        the count is no longer `old_count` (a racing or replayed sign-in) or the passkey is gone."""
        ...

    def rename(self, account_id: str, credential_id: str, name: str) -> None:
        """A new name; Changed when the passkey is not the account's."""
        ...

    def remove(self, account_id: str, credential_id: str) -> None:
        """Remove the passkey, one way in fewer. Changed when it is not the account's, or when it is the
        account's last way in."""
        ...
