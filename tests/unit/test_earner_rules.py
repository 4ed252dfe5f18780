"""Earner rules on the in-memory store (no AWS): registration and activation codes, sign-in tries,
addresses and the merge. The same use cases the pages call, handed a MemoryStore."""

from __future__ import annotations

import re

import pytest

from chalicelib.errors import Busy, Conflict, Invalid
from chalicelib.store.memory import MemoryStore

pytestmark = pytest.mark.usefixtures("cheap_passwords")
PASSWORD = "correct horse battery staple 42"
OTHER = "another long passphrase 77"
IP = "192.0.2.1"


@pytest.fixture
def store():
    return MemoryStore()


def code_in(store, to: str) -> str:
    mail = [m for m in store.mail.sent if m["to"] == to][-1]
    return re.search(r'id="code">\s*(\d{6})\s*<', mail["html"]).group(1)


def account(store, email: str, password: str = PASSWORD, *extra: str):
    from chalicelib.services.earners import accounts, activation

    made = accounts.register(accounts.Registration(email, "Ada", "Lovelace", password), store=store)
    activation.verify_owner(made, email, store=store)
    for address in extra:
        store.accounts.add_address(made.id, address, holder=None, at=made.created_at)
        activation.verify_owner(made, address, store=store)
    return store.accounts.get(made.id)


def test_a_registration_is_activated_by_its_code_and_password(store):
    from chalicelib.services.earners import accounts, activation

    made = accounts.register(accounts.Registration("ada@example.org", "Ada", "L", PASSWORD), store=store)
    assert store.mail.sent[-1]["subject"] == "Activate your Laurel account"
    code = code_in(store, "ada@example.org")
    with pytest.raises(Invalid, match="not the password"):
        activation.by_code("ada@example.org", code, IP, {"password": OTHER}, store=store)
    active = activation.by_code("ada@example.org", code, IP, {"password": PASSWORD}, store=store)
    assert active.id == made.id and store.accounts.owner_of("ada@example.org").verified
    with pytest.raises(Invalid, match="no longer valid"):  # spent with the link
        activation.by_code("ada@example.org", code, IP, {"password": PASSWORD}, store=store)


def test_five_wrong_tries_end_a_code_and_a_busy_store_is_not_a_try(store):
    from chalicelib.services.earners import accounts, activation

    accounts.register(accounts.Registration("ada@example.org", "Ada", "L", PASSWORD), store=store)
    code = code_in(store, "ada@example.org")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    real_try = store.codes.try_activation_code

    def busy_try(email, *, below):
        store.db.faults.busy_next()  # the try itself is refused, as a throttled UpdateItem is
        return real_try(email, below=below)

    store.codes.try_activation_code = busy_try
    with pytest.raises(Busy):  # 503: not counted, not dead
        activation.by_code("ada@example.org", wrong, IP, {}, store=store)
    store.codes.try_activation_code = real_try
    assert store.codes.activation_code("ada@example.org").attempts == 0
    lefts = []
    for _ in range(5):
        with pytest.raises(Invalid) as refused:
            activation.by_code("ada@example.org", wrong, IP, {}, store=store)
        lefts.append(refused.value.detail)
    assert lefts[0] == "This code is not right; 4 tries left." and "no longer valid" in lefts[-1]
    with pytest.raises(Invalid, match="no longer valid"):
        activation.by_code("ada@example.org", code, IP, {"password": PASSWORD}, store=store)


def test_a_verified_address_is_taken_but_an_unverified_hold_is_taken_over(store):
    from chalicelib.services.earners import accounts

    account(store, "ada@example.org")
    with pytest.raises(accounts.AddressTaken):
        accounts.register(accounts.Registration("ada@example.org", "M", "M", OTHER), store=store)
    hold = accounts.register(accounts.Registration("lin@example.org", "M", "M", OTHER), store=store)
    lin = accounts.register(accounts.Registration("lin@example.org", "Lin", "L", PASSWORD), store=store)
    assert store.accounts.owner_of("lin@example.org").account_id == lin.id
    assert store.accounts.addresses(hold.id) == []


def test_sign_in_counts_tries_before_checking_and_forgives_a_right_one(store):
    from chalicelib.services.earners import accounts
    from chalicelib.services.shared.ratelimit import TooMany

    account(store, "ada@example.org")
    for _ in range(4):
        with pytest.raises(accounts.BadLogin):
            accounts.login("ada@example.org", "wrong password here", IP, store=store)
    assert accounts.login("Ada@Example.org ", PASSWORD, IP, store=store).primary_email == "ada@example.org"
    with pytest.raises(accounts.BadLogin):
        accounts.login("ada@example.org", "wrong password here", IP, store=store)
    with pytest.raises(TooMany):  # the 6th counted try, right or not
        accounts.login("ada@example.org", PASSWORD, IP, store=store)


def test_a_session_ends_when_the_password_changes(store):
    from chalicelib.services.earners import accounts, sessions

    ada = account(store, "ada@example.org")
    token = sessions.start(ada, store=store)
    assert sessions.find(token, store=store).account.id == ada.id
    form = {"current_password": PASSWORD, "password": OTHER, "password2": OTHER}
    changed = accounts.change_password(ada, form, store=store)
    assert sessions.find(token, store=store) is None
    assert sessions.find(sessions.start(changed, store=store), store=store) is not None


def test_adding_another_accounts_verified_address_asks_for_a_merge_that_moves_everything(store):
    from chalicelib.services.earners import addresses, merge, merge_proof

    ada = account(store, "ada@example.org")
    old = account(store, "old@example.org", OTHER, "old2@example.org")
    assert addresses.add(ada, "old2@example.org", IP, store=store).outcome == "other"
    with pytest.raises(Invalid):
        merge_proof.by_password(ada, "old2@example.org", PASSWORD, IP, store=store)
    done = merge_proof.by_password(ada, "old2@example.org", OTHER, IP, store=store)
    assert (done.state, sorted(done.moved)) == ("done", ["old2@example.org", "old@example.org"])
    listed = [a.email for a in addresses.listing(store.accounts.get(ada.id), store=store)]
    assert listed == ["ada@example.org", "old2@example.org", "old@example.org"]
    assert store.accounts.get(old.id).merged_into == ada.id
    with pytest.raises(Conflict):  # a closed account gains no address the merge would miss
        addresses.add(store.accounts.get(old.id), "late@example.org", IP, store=store)
    assert merge.resume(ada.id, old.id, store=store) == done  # running it again changes nothing


def test_a_merge_code_goes_to_the_other_accounts_primary_and_proves_it(store):
    from chalicelib.services.earners import merge_proof

    ada = account(store, "ada@example.org")
    account(store, "lin@example.org", OTHER, "lin.work@example.org")
    merge_proof.send_code(ada, "lin.work@example.org", IP, store=store)
    code = code_in(store, "lin@example.org")
    assert merge_proof.by_code(ada, "lin.work@example.org", code, IP, store=store).proof == "code"
    assert store.codes.merge_code("lin.work@example.org") is None  # spent
