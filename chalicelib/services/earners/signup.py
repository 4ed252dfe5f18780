"""What an award's claim link means for accounts: whether its address leads to signing in or to
registering, registering from it, and whether signing in finished the link's job. (The claim link
itself, its badge and its state are the backpack's: services/backpack/claims.py.)"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chalicelib.services.earners import accounts
from chalicelib.services.shared import ratelimit

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.accounts import Account

log = logging.getLogger(__name__)


def claim_mode(email: str, signed_in: Account | None, *, store: Store) -> str:
    """How the claim page greets its address: "mine" (verified on the signed-in account), "login"
    (verified on an account) or "register". An unverified hold blocks nobody: registering takes it over."""
    owner = store.accounts.owner_of(email)
    if owner and signed_in and owner.account_id == signed_in.id and owner.verified:
        return "mine"
    return "login" if owner and owner.verified else "register"


def register_from_claim(email: str, form: dict, client_ip: str, *, store: Store) -> Account | None:
    """Register the claim's address with the form (Invalid, AddressTaken, TooMany); None when a bot
    filled in the honeypot, which is answered as if a mail had gone out."""
    if form.get("website"):  # the honeypot: people never see it, bots fill it in
        log.info("registration honeypot filled from %s", client_ip)
        return None
    ratelimit.count_form(client_ip, store=store)
    return accounts.register(accounts.read_registration(form, email), store=store)


def finishes_claim(email: str, account: Account, *, store: Store) -> bool:
    """Whether signing in to `account` did a claim link's job: its address belongs to that account."""
    owner = store.accounts.owner_of(email)
    return owner is not None and owner.account_id == account.id
