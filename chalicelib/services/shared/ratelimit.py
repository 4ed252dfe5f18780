"""Fixed-window rate limits as DynamoDB counters (atomic ADD, expired by TTL)."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from chalicelib.errors import LaurelError
from chalicelib.services.shared import ids
from chalicelib.store.models import RateItem


class TooMany(LaurelError):
    status = 429
    title = "Too many requests"


@dataclass(frozen=True)
class Limit:
    """At most `limit` events per `window` seconds for one key of a scope."""

    scope: str
    limit: int
    window: int

    def _item(self, key: str, at: float) -> RateItem:
        start = int(at) // self.window * self.window
        return RateItem(f"RATE#{self.scope}#{ids.sha256_hex(key)}", str(start))

    def hit(self, key: str, *, at: float | None = None) -> bool:
        """Count one event first, then check: True when it is within the limit (one atomic UpdateItem
        that returns the new count, so parallel requests each see their own number)."""
        at = time.time() if at is None else at
        item = self._item(key, at)
        item.update(
            actions=[
                RateItem.count.add(1),
                RateItem.ttl.set(int(at) // self.window * self.window + 2 * self.window),
            ]
        )
        return item.count <= self.limit

    def forgive(self, key: str) -> None:
        """Take back one counted event (a sign-in that turned out right); never below zero."""
        from pynamodb.exceptions import UpdateError

        item = self._item(key, time.time())
        with contextlib.suppress(UpdateError):  # a new window began meanwhile: nothing to take back
            item.update(actions=[RateItem.count.add(-1)], condition=RateItem.count > 0)

    def clear(self, key: str, *, at: float | None = None) -> None:
        self._item(key, time.time() if at is None else at).delete()


LOGIN_ACCOUNT = Limit("login-account", 5, 900)  # password tries per account per 15 minutes
LOGIN_CLIENT = Limit("login-client", 50, 900)  # password tries per client IP per 15 minutes
MAIL_MINUTE = Limit("mail-minute", 1, 60)  # activation / reset / fresh-link mails per address
MAIL_DAY = Limit("mail-day", 5, 86400)
MAIL_REQUEST_ONCE = Limit("mail-request-once", 1, 86400)  # one mail per queued request (SQS may redeliver)
CLIENT_FORMS = Limit("client-forms", 300, 3600)  # registrations, code tries and mail requests per client IP


def allow_mail(kind: str, key: str) -> bool:
    """One mail of this kind per minute and five per day for this key."""
    return MAIL_MINUTE.hit(f"{kind}:{key}") and MAIL_DAY.hit(f"{kind}:{key}")


VERIFY_CLIENT = Limit("verify-client", 120, 600)  # verifications per client IP: each may fetch 12 URLs


# Every person-facing mail to one address, whatever asked for it (add/remove cycles, resends, resets,
# merge codes): a cap per target address, so nobody can turn Laurel into a mail bomb.
MAIL_TO_HOUR = Limit("mail-to-hour", 5, 3600)
MAIL_TO_DAY = Limit("mail-to-day", 20, 86400)


def allow_mail_to(email: str) -> bool:
    """Count one mail to this (normalised) address, then say whether it is within both caps
    (two UpdateItems; the address is stored only as its SHA-256, like every rate-limit key)."""
    within_hour = MAIL_TO_HOUR.hit(email)
    within_day = MAIL_TO_DAY.hit(email)
    return within_hour and within_day
