"""Merging accounts in-process: proof by password or emailed code, what moves, crashes, races."""

from __future__ import annotations

import pytest

from chalicelib.store import current
from tests.support.accounts import award
from tests.support.earners import PASSWORD, Browser, activation_code, csrf_token
from tests.support.merging import OTHER_PASSWORD, make_account, merge_form, sign_in


def owner(email):
    from chalicelib.services.earners import accounts

    return accounts.owner_of(email, store=current()).account_id


def test_merge_with_password_moves_addresses_badges_states_and_closes_the_old_account(
    client, issuer, badge_class, mails
):
    from chalicelib.services.backpack import shelf
    from chalicelib.services.earners import accounts
    from chalicelib.services.shared import ids
    from chalicelib.store import current

    ada = make_account("ada@example.org")
    old = make_account("ada@school.example", OTHER_PASSWORD, "ada.old@school.example", first="Ada B")
    current().accounts.set_career_goals(old.id, "Become a data scientist", at=ids.now())
    a1 = award(issuer, badge_class, email="ada@school.example")
    a2 = award(issuer, badge_class, email="ada.old@school.example")
    shelf.accept(old, a1["id"], store=current())
    shelf.reject(old, a2["id"], store=current())
    old_session = sign_in(client, "ada@school.example", OTHER_PASSWORD)

    browser = sign_in(client, "ada@example.org")
    r = merge_form(browser, "ada@school.example", method="password", password="wrong password here")
    assert r.status_code == 422 and 'id="password-error"' in r.text
    r = merge_form(browser, "ada@school.example", method="password", password=OTHER_PASSWORD)
    assert r.status_code == 303 and r.headers["Location"] == "/settings/emails?done=merged"

    assert owner("ada@school.example") == owner("ada.old@school.example") == ada.id
    mine = {
        b.id: b.status
        for b in shelf.list_badges(accounts.get_account(ada.id, store=current()), store=current())
    }
    assert mine == {a1["id"]: "accepted", a2["id"]: "rejected"}
    page = browser.get("/settings/emails?done=merged").text
    assert "ada.old@school.example" in page and "Accounts merged" in page
    assert (
        accounts.get_account(ada.id, store=current()).career_goals == "Become a data scientist"
    )  # settings came along
    closed = accounts.get_account(old.id, store=current())
    assert closed.merged_into == ada.id and closed.closed_at is not None
    record = current().accounts.merge_record(ada.id, old.id)
    assert (
        record.state == "done"
        and record.steps == 1
        and sorted(record.moved) == sorted(["ada@school.example", "ada.old@school.example"])
    )
    # The old account's session ended and its password now says it was merged.
    assert old_session.get("/backpack").status_code == 303
    stranger = Browser(client)
    r = stranger.post(
        "/login", {"csrf_token": stranger.csrf(), "email": "ada@school.example", "password": OTHER_PASSWORD}
    )
    assert r.status_code == 403 and "merged into another" in r.text
    # nothing doubled: one listing per address, one owner
    assert current().accounts.addresses(old.id, consistent=True) == []


def test_merge_with_code_sent_to_the_address(client, issuer, badge_class, mails):
    from chalicelib.services.backpack import shelf
    from chalicelib.services.earners import accounts

    ada = make_account("ada@example.org")
    old = make_account("lin@example.org", OTHER_PASSWORD)
    a1 = award(issuer, badge_class, email="lin@example.org")
    browser = sign_in(client, "ada@example.org")
    page = browser.get("/settings/emails/merge?email=lin@example.org")
    form = {"csrf_token": csrf_token(page.text), "email": "lin@example.org"}
    r = browser.post("/settings/emails/merge/code", form)
    assert r.status_code == 200 and "We emailed a 6-digit code" in r.text
    mail = [m for m in mails if m["to"] == "lin@example.org"][-1]
    assert mail["subject"] == "Your code to merge Laurel accounts" and mail["text"].strip()
    code = activation_code(mail["html"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    r = merge_form(browser, "lin@example.org", method="code", code=wrong)
    assert r.status_code == 422 and "tries left" in r.text
    r = merge_form(browser, "lin@example.org", method="code", code=code)
    assert r.status_code == 303
    assert owner("lin@example.org") == ada.id
    assert [
        b.id for b in shelf.list_badges(accounts.get_account(ada.id, store=current()), store=current())
    ] == [a1["id"]]
    assert accounts.get_account(old.id, store=current()).merged_into == ada.id


def test_code_for_someone_else_is_refused_and_dies_after_five(client, mails):
    from chalicelib.errors import Invalid
    from chalicelib.services.earners import merge_proof
    from chalicelib.store import current

    ada = make_account("ada@example.org")
    make_account("lin@example.org", OTHER_PASSWORD)
    eve = make_account("eve@example.org")
    merge_proof.send_code(ada, "lin@example.org", "1.2.3.4", store=current())
    code = activation_code([m for m in mails if m["to"] == "lin@example.org"][-1]["html"])
    with pytest.raises(Invalid):
        merge_proof.by_code(eve, "lin@example.org", code, "1.2.3.4", store=current())  # asked by Ada, not Eve
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(Invalid):
            merge_proof.by_code(ada, "lin@example.org", wrong, "1.2.3.4", store=current())
    with pytest.raises(Invalid, match="no longer valid"):
        merge_proof.by_code(ada, "lin@example.org", code, "1.2.3.4", store=current())
    assert owner("lin@example.org") != ada.id


def test_a_crash_halfway_resumes_without_loss_or_doubles(client, issuer, badge_class, monkeypatch):
    from chalicelib.services.backpack import shelf
    from chalicelib.services.earners import accounts, merge, merge_proof
    from chalicelib.store import current
    from chalicelib.store.dynamo import merge as raw_merge

    extra = [f"old{i}@example.org" for i in range(7)]
    ada = make_account("ada@example.org")
    old = make_account("old@example.org", OTHER_PASSWORD, *extra)
    awarded = {award(issuer, badge_class, email=e)["id"] for e in ["old@example.org", *extra]}
    monkeypatch.setattr(raw_merge, "MAX_ITEMS", 7)  # 2 addresses (6 items) + the record per step

    def crash(into_id, old_id, step):
        if step == 2:
            raise RuntimeError("Lambda timed out")

    monkeypatch.setattr(raw_merge, "before_step", crash)
    with pytest.raises(RuntimeError):
        merge_proof.by_password(ada, "old@example.org", OTHER_PASSWORD, "1.2.3.4", store=current())
    record = current().accounts.merge_record(ada.id, old.id)
    assert record.state == "running" and len(record.moved) == 2
    assert accounts.get_account(old.id, store=current()).merged_into == ada.id  # closed from the first step

    monkeypatch.setattr(raw_merge, "before_step", None)
    browser = sign_in(client, "ada@example.org")
    assert "old6@example.org" in browser.get("/settings/emails").text  # the page resumes it
    record = current().accounts.merge_record(ada.id, old.id)
    assert record.state == "done" and sorted(record.moved) == sorted(["old@example.org", *extra])
    assert record.steps == 4
    listed = [i.email for i in current().accounts.addresses(ada.id, consistent=True)]
    assert sorted(listed) == sorted(["ada@example.org", "old@example.org", *extra])
    assert current().accounts.addresses(old.id, consistent=True) == []
    assert {
        b.id for b in shelf.list_badges(accounts.get_account(ada.id, store=current()), store=current())
    } == awarded
    assert merge.resume(ada.id, old.id, store=current()).steps == 4  # running it again changes nothing


def test_accept_on_the_old_session_during_the_merge_keeps_the_badge(client, issuer, badge_class, monkeypatch):
    """The old account's browser accepts while the merge moves its address: the state is on the award."""
    from chalicelib.services.backpack import shelf
    from chalicelib.services.earners import accounts, merge_proof
    from chalicelib.store import current
    from chalicelib.store.dynamo import merge as raw_merge

    ada = make_account("ada@example.org")
    old = make_account("old@example.org", OTHER_PASSWORD)
    a1 = award(issuer, badge_class, email="old@example.org")
    a2 = award(issuer, badge_class, email="old@example.org", allow_duplicate=True)
    stale = accounts.get_account(
        old.id, store=current()
    )  # the old session's request loaded its account before the close

    def accept_meanwhile(into_id, old_id, step):
        shelf.accept(stale, a1["id"], store=current())  # between the close and the move

    monkeypatch.setattr(raw_merge, "before_step", accept_meanwhile)
    real_owned = shelf.owned

    def owned_then_merged(account, assertion_id, *, store):
        item = real_owned(
            account, assertion_id, store=current()
        )  # checked while the address was still the old one's
        if assertion_id == a2["id"]:
            merge_proof.by_password(ada, "old@example.org", OTHER_PASSWORD, "1.2.3.4", store=current())
        return item

    monkeypatch.setattr(shelf, "owned", owned_then_merged)
    shelf.reject(
        stale, a2["id"], store=current()
    )  # the merge commits between its ownership check and its write
    monkeypatch.setattr(shelf, "owned", real_owned)

    mine = {
        b.id: b.status
        for b in shelf.list_badges(accounts.get_account(ada.id, store=current()), store=current())
    }
    assert mine == {a1["id"]: "accepted", a2["id"]: "rejected"}
    # and after the merge the old account can do nothing to them
    with pytest.raises(Exception):  # noqa: B017
        shelf.recover(stale, a2["id"], store=current())


def test_concurrent_address_add_and_merge_lose_nothing(client, monkeypatch):
    from chalicelib.errors import Conflict
    from chalicelib.services.earners import addresses, merge_proof
    from chalicelib.store import current

    ada = make_account("ada@example.org")
    old = make_account("old@example.org", OTHER_PASSWORD)
    merge_proof.by_password(ada, "old@example.org", OTHER_PASSWORD, "1.2.3.4", store=current())
    with pytest.raises(Conflict):  # the closed account cannot gain an address the merge would miss
        addresses.add(old, "late@example.org", "1.2.3.4", store=current())
    assert addresses.add(ada, "late@example.org", "1.2.3.4", store=current()).outcome == "sent"


def test_merging_twice_or_into_itself_is_refused(client):
    from chalicelib.errors import Conflict, Invalid
    from chalicelib.services.earners import merge, merge_proof
    from chalicelib.store import current

    ada = make_account("ada@example.org")
    bob = make_account("bob@example.org", OTHER_PASSWORD)
    cy = make_account("cy@example.org", OTHER_PASSWORD)
    with pytest.raises(Invalid):  # answered like a wrong password: nothing told about the address
        merge_proof.by_password(ada, "ada@example.org", PASSWORD, "1.2.3.4", store=current())
    merge_proof.by_password(ada, "bob@example.org", OTHER_PASSWORD, "1.2.3.4", store=current())
    with pytest.raises(Conflict):
        merge.merge(
            cy.id, bob.id, proof="password", email="bob@example.org", store=current()
        )  # bob is closed
    with pytest.raises(Conflict):
        merge.merge(
            bob.id, cy.id, proof="password", email="cy@example.org", store=current()
        )  # into a closed account
