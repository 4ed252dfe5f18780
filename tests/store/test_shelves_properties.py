"""The shelves' counts never drift: any sequence of award writes (award, accept, reject, recover, resend,
revoke, recertify, erase; refused ones included) leaves the counts of every tab equal to a recount of
the awards, on both stores (hypothesis drives the sequences; each example uses its own address)."""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.errors import Changed
from chalicelib.store.awards import Award
from chalicelib.store.shelves import TABS
from tests.support.properties import PROPERTY_PROFILE

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MOVES = ("award", "accept", "reject", "recover", "resend", "revoke", "recertify", "erase")
_examples = itertools.count()

steps = st.lists(
    st.tuples(
        st.sampled_from(MOVES),
        st.integers(0, 7),  # which award (modulo how many there are)
        st.sampled_from([None, -3, 5]),  # an expiry in days from AT: none, past, future
    ),
    min_size=1,
    max_size=14,
)


def _award(address: str, n: int, expires: int | None) -> Award:
    at = AT - timedelta(days=30) + timedelta(seconds=n)
    return Award(
        id=f"{address}-{n}",
        issuer_id="issuer1",
        badge_id="badge1",
        listing=f"{at.isoformat()}#{address}-{n}",
        issued_on=at,
        image_key="badges/badge1.png",
        state="pending",
        notice="none",
        created_at=at,
        updated_at=at,
        recipient_email=address,
        expires=None if expires is None else AT + timedelta(days=expires),
    )


def _apply(store, address: str, made: list[str], move: str, which: int, expires: int | None) -> None:
    if move == "award" or not made:
        award = _award(address, len(made), expires)
        store.awards.award_one(award, key=None, at=AT)
        made.append(award.id)
        return
    award = store.awards.get(made[which % len(made)])
    change = {
        "accept": lambda: store.awards.accept(award, at=AT),
        "reject": lambda: store.awards.reject(award, at=AT),
        "recover": lambda: store.awards.recover(award, at=AT),
        "resend": lambda: store.awards.resend(award, at=AT),
        "revoke": lambda: store.awards.revoke(award, "reason", at=AT),
        "recertify": lambda: store.awards.recertify(award, AT + timedelta(days=expires or 1), at=AT),
        "erase": lambda: store.awards.erase(award, at=AT),
    }[move]
    with contextlib.suppress(Changed):  # refused (e.g. a notice on its way): nothing may move
        change()


def _recount(store, address: str) -> dict[str, int]:
    counts = dict.fromkeys(TABS, 0)
    awards, _ = store.awards.to(address, limit=1000)
    for award in awards:
        counts[award.status(AT)] += 1
    return counts


@settings(
    PROPERTY_PROFILE,
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=steps)
def test_counts_always_equal_a_recount(store, steps):
    address = f"earner{next(_examples)}@example.org"
    made: list[str] = []
    for move, which, expires in steps:
        _apply(store, address, made, move, which, expires)
    shelf = store.shelves.shelf([address], None, at=AT, after=None, limit=50)
    assert dict(shelf.counts) == _recount(store, address)
    for tab in TABS:  # and each tab lists what it counts
        listed = store.shelves.shelf([address], tab, at=AT, after=None, limit=50).awards
        assert len(listed) == shelf.counts[tab], tab
