"""The account's ways in, as the sign-in settings page shows them: its password (or none yet: a first one
can be set), its linked identities and its passkeys (renamed and removed here; registered and used in
passkeys.py). The last way in is never removed: the stores refuse it in the same write, and the services
say so in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.errors import Changed, Conflict, NotFound
from chalicelib.services.earners import passkeys, passwords
from chalicelib.services.shared import ids, mailer, urls

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.accounts import Account
    from chalicelib.store.identities import Identity
    from chalicelib.store.passkeys import Passkey

NO_SUCH_PASSKEY = "No such passkey."
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
    fresh session first), then a notice to the primary address (counted first). Every other session
    ends, as with a password change; a second request racing this one finds the account changed."""
    if account.password_hash:
        raise Conflict(HAS_PASSWORD)
    names = (account.first_name, account.last_name)
    password = passwords.new_password(form, email=account.primary_email, names=names)
    mailer.count_mail_to(account.primary_email, store=store)  # never a new way in nobody is told about
    try:
        changed = store.accounts.set_password(
            account.id, passwords.hash_password(password), at=ids.now(), epoch=account.session_epoch or 0
        )
    except Changed:
        raise Conflict(HAS_PASSWORD) from None
    mailer.mail(
        account.primary_email,
        "password_set",
        "A password was set on your Laurel account",
        store=store,
        counted=True,
        name=account.first_name,
        settings_url=f"{urls.base()}/settings/sign-in",
    )
    return changed


class LastWayIn(Conflict):
    """Removing it would leave the account with no way to sign in."""


def rename_passkey(account: Account, credential_id: str, name: str, *, store: Store) -> None:
    """A new name (one line, at most passkeys.MAX_NAME characters) for one of the account's passkeys."""
    name = passkeys.read_name(name)
    if not passkeys.plausible_credential_id(credential_id):
        raise NotFound(NO_SUCH_PASSKEY)
    try:
        store.passkeys.rename(account.id, credential_id, name)
    except Changed:
        raise NotFound(NO_SUCH_PASSKEY) from None


def remove_passkey(account: Account, credential_id: str, *, store: Store) -> None:
    """Remove one of the account's passkeys (the route asks for a fresh session); never its last way in."""
    if not passkeys.plausible_credential_id(credential_id):
        raise NotFound(NO_SUCH_PASSKEY)
    try:
        store.passkeys.remove(account.id, credential_id)
    except Changed:
        mine = store.passkeys.get(credential_id)
        if mine is None or mine.account_id != account.id:
            raise NotFound(NO_SUCH_PASSKEY) from None
        raise LastWayIn(
            "This passkey is your only way to sign in: set a password or add another passkey first."
        ) from None
