"""The account's ways in, as the sign-in settings page shows them: its password (or none yet: a first one
can be set), its linked identities and its passkeys. The last way in is never removed: the stores refuse
it in the same write, and passkeys.py / social.py say so in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.errors import Changed, Conflict
from chalicelib.services.earners import passwords
from chalicelib.services.shared import ids

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.accounts import Account
    from chalicelib.store.identities import Identity
    from chalicelib.store.passkeys import Passkey

HAS_PASSWORD = "Your account has a password already: change it on the password page."


@dataclass(frozen=True)
class SignInMethods:
    """What the settings page lists: two Queries, no more."""

    password: bool
    passkeys: list[Passkey]
    identities: list[Identity]

    @property
    def ways_in(self) -> int:
        return int(self.password) + len(self.passkeys) + len(self.identities)


def listing(account: Account, *, store: Store) -> SignInMethods:
    return SignInMethods(
        password=bool(account.password_hash),
        passkeys=store.passkeys.listing(account.id),
        identities=store.identities.listing(account.id),
    )


def set_first_password(account: Account, form: dict, *, store: Store) -> Account:
    """A password for an account that signs in only with passkeys or identities (the route asks for a
    fresh session first). Every other session ends, as with a password change; a second request racing
    this one finds the account changed and sets nothing."""
    if account.password_hash:
        raise Conflict(HAS_PASSWORD)
    names = (account.first_name, account.last_name)
    password = passwords.new_password(form, email=account.primary_email, names=names)
    try:
        return store.accounts.set_password(
            account.id, passwords.hash_password(password), at=ids.now(), epoch=account.session_epoch or 0
        )
    except Changed:
        raise Conflict(HAS_PASSWORD) from None
