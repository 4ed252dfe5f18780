"""Fixed-window rate limits: what is counted, how many and how long (the counters are store.rates)."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.errors import Busy, LaurelError
from chalicelib.services.shared import ids

if TYPE_CHECKING:
    from chalicelib.store import Store


class TooMany(LaurelError):
    status = 429
    title = "Too many requests"


@dataclass(frozen=True)
class Limit:
    """At most `limit` events per `window` seconds for one key of a scope."""

    scope: str
    limit: int
    window: int

    def _key(self, key: str) -> str:
        return f"{self.scope}#{ids.sha256_hex(key)}"  # no address is kept in a counter

    def _start(self, at: float) -> int:
        return int(at) // self.window * self.window

    def hit(self, key: str, *, at: float | None = None, store: Store) -> bool:
        """Count one event first, then check: True when it is within the limit (one atomic count that
        returns the new total, so parallel requests each see their own number)."""
        start = self._start(time.time() if at is None else at)
        count = store.rates.count(self._key(key), start, expires_at=start + 2 * self.window)
        return count <= self.limit

    def forgive(self, key: str, *, store: Store) -> None:
        """Take back one counted event (a sign-in that turned out right); never below zero."""
        with contextlib.suppress(Busy):  # best effort: a busy store only leaves one try counted
            store.rates.uncount(self._key(key), self._start(time.time()))

    def clear(self, key: str, *, at: float | None = None, store: Store) -> None:
        store.rates.clear(self._key(key), self._start(time.time() if at is None else at))


LOGIN_ACCOUNT = Limit("login-account", 5, 900)  # password tries per account per 15 minutes
LOGIN_CLIENT = Limit("login-client", 50, 900)  # password tries per client IP per 15 minutes
MAIL_MINUTE = Limit("mail-minute", 1, 60)  # activation / reset / fresh-link mails per address
MAIL_DAY = Limit("mail-day", 5, 86400)
MAIL_REQUEST_ONCE = Limit("mail-request-once", 1, 86400)  # one mail per queued request (SQS may redeliver)
CLIENT_FORMS = Limit("client-forms", 300, 3600)  # registrations, code tries and mail requests per client IP


def count_form(client_ip: str, *, store: Store) -> None:
    """Count one request of an open form (a registration, a code try, a mail asked for) from this client
    before anything else; TooMany over CLIENT_FORMS."""
    if not CLIENT_FORMS.hit(client_ip, store=store):
        raise TooMany("Too many requests from your network. Try again later.")


def count_code_mail(kind: str, key: str, *, store: Store, inbox: str = "your inbox") -> None:
    """Count one code mail of this kind for this key (allow_mail); TooMany when one went out in the last
    minute or five today. `inbox` names where the person should look."""
    if not allow_mail(kind, key, store=store):
        raise TooMany(f"We sent a code recently. Wait a minute (at most 5 a day) and check {inbox}.")


def allow_mail(kind: str, key: str, *, store: Store) -> bool:
    """One mail of this kind per minute and five per day for this key."""
    return MAIL_MINUTE.hit(f"{kind}:{key}", store=store) and MAIL_DAY.hit(f"{kind}:{key}", store=store)


VERIFY_CLIENT = Limit("verify-client", 120, 600)  # verifications per client IP: each may fetch 12 URLs


# Every person-facing mail to one address, whatever asked for it (add/remove cycles, resends, resets,
# merge codes): a cap per target address, so nobody can turn Laurel into a mail bomb.
MAIL_TO_HOUR = Limit("mail-to-hour", 5, 3600)
MAIL_TO_DAY = Limit("mail-to-day", 20, 86400)


def allow_mail_to(email: str, *, store: Store) -> bool:
    """Count one mail to this (normalised) address, then say whether it is within both caps
    (two UpdateItems; the address is stored only as its SHA-256, like every rate-limit key)."""
    within_hour = MAIL_TO_HOUR.hit(email, store=store)
    within_day = MAIL_TO_DAY.hit(email, store=store)
    return within_hour and within_day
