"""The backpack's rules on the in-memory store (fast tier, no AWS): what an earner may do to a badge,
which tab it lands in and how the tabs count, and that another account's badge is not there at all."""

from __future__ import annotations

import pytest

from chalicelib.errors import Conflict, NotFound
from tests.support.earners import PASSWORD
from tests.support.inprocess import data_uri, png_bytes

ADA, GRACE = "ada@example.org", "grace@example.org"
NONE = dict.fromkeys(("pending", "accepted", "expired", "revoked", "rejected"), 0)


def earner(store, email: str):
    from chalicelib.services.earners import accounts, activation

    account = accounts.register(accounts.Registration(email, "Ada", "Lovelace", PASSWORD), store=store)
    activation.verify_owner(account, email, store=store)
    return store.accounts.get(account.id)


def awarded(memory_issuer, email: str = ADA) -> str:
    badge = memory_issuer.api.call(
        "POST",
        "/api/v1/badgeclasses",
        {
            "name": "Data Literacy",
            "description": "d",
            "criteria_narrative": "c",
            "image": data_uri(png_bytes()),
        },
    )
    assert badge.status_code == 201, badge.body
    body = {"recipient_email": email, "notify": False, "allow_duplicate": True}
    r = memory_issuer.api.call("POST", f"/api/v1/badgeclasses/{badge.json['id']}/assertions", body)
    assert r.status_code == 201, r.body
    return r.json["id"]


def counts(account, store) -> dict[str, int]:
    from chalicelib.services.backpack import shelf

    return {t.name: t.count for t in shelf.tab_page(account, store=store).tabs}


def test_accept_reject_recover_move_the_badge_and_its_count(memory_issuer, memory_store):
    from chalicelib.services.backpack import shelf

    ada, badge = earner(memory_store, ADA), awarded(memory_issuer)
    assert counts(ada, memory_store)["pending"] == 1
    shelf.accept(ada, badge, store=memory_store)
    page = shelf.tab_page(ada, "accepted", store=memory_store)
    assert [b.id for b in page.badges] == [badge] and page.badges[0].status == "accepted"
    shelf.reject(ada, badge, store=memory_store)
    assert counts(ada, memory_store) == {
        "pending": 0,
        "accepted": 0,
        "expired": 0,
        "revoked": 0,
        "rejected": 1,
    }
    shelf.recover(ada, badge, store=memory_store)
    assert shelf.tab_page(ada, store=memory_store).tab == "pending"  # none asked: the first holding badges


def test_a_move_from_the_wrong_state_is_a_conflict_and_moves_nothing(memory_issuer, memory_store):
    from chalicelib.services.backpack import shelf

    ada, badge = earner(memory_store, ADA), awarded(memory_issuer)
    with pytest.raises(Conflict):
        shelf.recover(ada, badge, store=memory_store)  # pending: nothing to recover
    assert counts(ada, memory_store)["pending"] == 1


def test_another_accounts_badge_is_not_in_the_backpack(memory_issuer, memory_store):
    from chalicelib.services.backpack import detail, shelf

    earner(memory_store, ADA)
    grace, badge = earner(memory_store, GRACE), awarded(memory_issuer, ADA)
    for use in (shelf.accept, shelf.reject, detail.detail):
        with pytest.raises(NotFound):
            use(grace, badge, store=memory_store)
    assert counts(grace, memory_store) == dict.fromkeys(
        ("pending", "accepted", "expired", "revoked", "rejected"), 0
    )


def test_the_dashboard_counts_every_badge_and_shows_the_latest(memory_issuer, memory_store):
    from chalicelib.services.backpack import dashboard

    ada = earner(memory_store, ADA)
    made = [awarded(memory_issuer) for _ in range(3)]
    summary = dashboard.build(ada, store=memory_store)
    assert summary.total == 3 and summary.counts["pending"] == 3
    assert summary.latest.id in made and {e.kind for e in summary.events} == {"awarded"}
