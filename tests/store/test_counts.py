"""store/counts.py: what each kind of award write changes on its recipient's shelves (pure)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from chalicelib.store.counts import Placed, change, combined

ADA, ADA_WORK = "ada@example.org", "ada@work.example"
LATER = datetime(2030, 1, 1, tzinfo=UTC)


def test_an_award_counts_once_in_its_state_and_is_indexed_as_expiring_only_when_it_can_expire():
    assert change(None, Placed(ADA, "pending")) == {ADA: Counter(pending=1)}
    assert change(None, Placed(ADA, "pending", LATER)) == {ADA: Counter(pending=1)}
    assert Placed(ADA, "pending", LATER).shelf == f"{ADA}#pending"
    assert Placed(ADA, "pending", LATER).expiring == ADA
    assert Placed(ADA, "pending").expiring is None


def test_a_move_takes_from_the_state_it_left_and_adds_to_the_one_it_entered():
    assert change(Placed(ADA, "pending"), Placed(ADA, "accepted")) == {ADA: Counter(pending=-1, accepted=1)}
    assert change(Placed(ADA, "rejected", LATER), Placed(ADA, "pending", LATER)) == {
        ADA: Counter(rejected=-1, pending=1)
    }  # still expiring: no change there


def test_revoked_cannot_expire_and_erased_is_on_no_shelf():
    revoked = Placed(ADA, "revoked", LATER)
    assert revoked.expiring is None and revoked.shelf == f"{ADA}#revoked"
    assert change(Placed(ADA, "accepted", LATER), revoked) == {ADA: Counter(accepted=-1, revoked=1)}
    erased = Placed(None, "erased")
    assert erased.shelf is None and erased.expiring is None
    assert change(revoked, erased) == {ADA: Counter(revoked=-1)}
    assert change(erased, erased) == {}


def test_a_new_expiry_moves_no_count():
    assert change(Placed(ADA, "accepted"), Placed(ADA, "accepted", LATER)) == {}
    assert Placed(ADA, "rejected", LATER).expiring == ADA


def test_a_batch_adds_once_per_address():
    rows = [change(None, Placed(ADA, "pending")), change(None, Placed(ADA, "pending", LATER))]
    rows.append(change(None, Placed(ADA_WORK, "pending")))
    assert combined(rows) == {ADA: Counter(pending=2), ADA_WORK: Counter(pending=1)}
    assert combined([{ADA: Counter(pending=1)}, {ADA: Counter(pending=-1)}]) == {}
