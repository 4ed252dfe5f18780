"""The earner's shelves, read-only: what a backpack tab or the dashboard shows, in a bounded number of
DynamoDB calls whatever the number of badges (issue 10, step 6: at most 6 at 10 and at 5,000).

Why a view of its own: a backpack page crosses three aggregates (awards, badge classes, issuers) and
needs counts no single award knows. Written as separate repository calls it costs one call per step;
here the store plans the page (cosmicpython's "views": reads may bypass the domain's repositories).
Nothing here writes: the counts and index keys it reads are kept by the award writes themselves.

Today (before this design) every page reads ALL the account's awards to count the tabs: a Query page
of 100 per address, 10 calls at 500 badges, so the backpack was capped at the newest 500 per address.

The design
----------
1. **Counts per address, kept in the same transaction as every state change.** One RecipientCounts
   record per normalised address in the assertions table (pk `COUNTS#<address>`, sk `COUNTS`) with
   numbers `pending`, `accepted`, `rejected`, `revoked`. Every write that creates, moves or erases an
   award (award_one, award_batch, revoke, resend, recertify, erase, accept, reject, recover) ADDs to
   it inside the SAME TransactWriteItems, through one helper (store/counts.py says what changes;
   store/dynamo/counts.py and store/memory/counts.py apply it): -1 on the state it left, +1 on the
   one it entered. Each of those writes pins in its condition the state (and expiry) it read, so a
   count cannot drift. A batch adds n to an address once (a transaction may touch an item once; 25
   rows + 25 guards + the job + at most 25 counts stay under 100). accept/reject/recover were one
   UpdateItem and become one TransactWriteItems of two: still one call. Counts are per address, not
   per account, because addresses move between accounts (verification, merge) and awards never do:
   a merge touches no count; an account's counts are the sum over its verified addresses.
   "expired" stays derived (an award expires by the clock; nothing is written then): see 3.
2. **GSI `by_shelf`** (hash `shelf` = "<address>#<state>", range `listing`): the tab pages. `shelf`
   moves with the state in the same update and goes on erase (sparse). A tab page is one Query per
   address, newest first, `listing < after` for the next page (today's cursor and URL). Awards past
   their expiry still sit on their state's shelf: the Query filters them out and sets no Limit, so
   one call reads up to 1 MB and the page takes its 50 from that (a second call only past 1 MB of
   expired awards).
3. **Sparse GSI `by_expiry`** (hash `expiring` = "<address>", range `expires`): set only while an
   award is pending, accepted or rejected (`ACTIVE_STATES`) with an expiry; it goes on revoke and
   erase and its range moves on recertify. `expires <= now` is exactly the expired tab. The address's
   RecipientCounts record sits at the head of the same partition (its `expires` sorts before any
   date), so ONE Query per address reads the counts and every expired award (whole: projection ALL;
   about 1,000 expired awards fit in a call). The tab counts are then exact at `now`: the stored
   count of a state less its expired awards; "expired" is their number.
4. **The profile keeps its verified addresses**: proposed, NOT so today. `accounts.verified_addresses`
   is a Query of ACCOUNT#id/EMAIL# items after the session GetItem and the profile GetItem. Keeping a
   `verified_emails` set on the profile (the accounts repository writes it in the transactions that
   verify, remove or merge an address) would save that call on every signed-in page.
5. **A page's badge classes and issuers in one BatchGetItem** (both are in the badges table; today
   one BatchGet per model).

Calls per page, one verified address, 10 or 5,000 badges:
    a tab:      session GetItem, profile GetItem, addresses Query, counts+expired Query, by_shelf
                Query, classes+issuers BatchGet = 6 (5 with 4)
    expired:    the same without the by_shelf Query = 5 (4 with 4)
    dashboard:  session, profile, addresses, counts+expired Query, newest awards Query (by_recipient,
                one page of RECENT: the latest badge and the awarded/changed events among them, the
                window today's newest-500 cap gave), classes+issuers BatchGet = 6 (5 with 4)
Each further verified address adds one counts+expired Query and one page Query: the measure is about
badges. The backpack then lists every badge: the "newest 500 per address" cap and its hint go.
New GSIs on a live table: CloudFormation adds one GSI per stack update (deploy by_shelf, then
by_expiry), and awards written before need `shelf`/`expiring` and their counts backfilled once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.store.awards import Award
    from chalicelib.store.badge_classes import BadgeClass
    from chalicelib.store.issuers import Issuer

TABS = ("pending", "accepted", "expired", "revoked", "rejected")


def tab_counts(stored: Mapping[str, int], expired: Sequence[Award]) -> dict[str, int]:
    """Every tab's count at the instant `expired` was read: the stored counts of an address (or their
    sum) less the awards among them that have expired, and those."""
    counts = {tab: int(stored.get(tab) or 0) for tab in TABS}
    for award in expired:
        counts[award.state] -= 1
    counts["expired"] = len(expired)
    return counts


def first_tab(requested: str | None, counts: Mapping[str, int]) -> str:
    """The asked-for tab; with none (or an unknown one), the first tab that holds badges."""
    if requested in TABS:
        return requested
    return next((name for name in TABS if counts[name]), TABS[0])


@dataclass(frozen=True)
class Shelf:
    """One page of one tab, described: counts of every tab at `at`, the tab's awards newest first, the
    listing to continue `after` (None on the last page) and the page's badge classes and issuers."""

    tab: str
    counts: Mapping[str, int]
    awards: tuple[Award, ...]
    after: str | None
    at: datetime
    badge_classes: Mapping[str, BadgeClass] = field(default_factory=dict)
    issuers: Mapping[str, Issuer] = field(default_factory=dict)


@dataclass(frozen=True)
class Overview:
    """What the dashboard reads: counts of every tab at `at`, the newest awards (newest first) and the
    expired ones (latest expiry first)."""

    counts: Mapping[str, int]
    newest: tuple[Award, ...]
    expired: tuple[Award, ...]
    at: datetime


class ShelfRepository(Protocol):
    def shelf(
        self, addresses: Sequence[str], tab: str | None, *, at: datetime, after: str | None, limit: int
    ) -> Shelf:
        """One page of `tab` over these addresses (None: the first of TABS holding badges at `at`),
        newest first, `listing < after`; described."""
        ...

    def overview(self, addresses: Sequence[str], *, at: datetime, recent: int) -> Overview:
        """The dashboard's reading: counts at `at`, the newest `recent` awards per address (newest
        first) and every expired one (latest expiry first); not described."""
        ...

    def describe(self, awards: Iterable[Award]) -> tuple[dict[str, BadgeClass], dict[str, Issuer]]:
        """The awards' badge classes and issuers by id, in one read (at most 50 awards)."""
        ...
