"""Sign-up without a claim link, attacker first, on the in-memory store (no AWS): who else could create
the account of an address they do not read, or finish someone else's sign-up
(services/earners/open_signup.py)."""

from __future__ import annotations

import re

import pytest

from chalicelib.errors import Busy, Conflict, Invalid
from chalicelib.store.memory import MemoryStore
from tests.support.memory import run_mail_queue

pytestmark = pytest.mark.usefixtures("cheap_passwords")
PASSWORD = "correct horse battery staple 42"
OTHER = "another long passphrase 77"
IP = "192.0.2.1"
ADA = "ada@example.org"
BROWSER_A = "a" * 64  # the SHA-256 of a browser's flow cookie
BROWSER_B = "b" * 64
DETAILS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "password": PASSWORD,
    "password2": PASSWORD,
    "terms": "on",
}


@pytest.fixture
def store(memory_store):
    """The app's current store too: the mail worker (routes/workers.py) reads it."""
    return memory_store


def signup(store: MemoryStore, email: str = ADA) -> dict:
    """Ask for a sign-up and let the worker mail it; the mail that went to the address."""
    from chalicelib.services.earners import open_signup

    open_signup.start(email, IP, store=store)
    run_mail_queue(store)
    return [m for m in store.mail.sent if m["to"] == email][-1]


def code_in(mail: dict) -> str:
    return re.search(r'id="code">\s*(\d{6})\s*<', mail["html"]).group(1)


def link_in(mail: dict) -> str:
    return re.search(r"/signup/([A-Za-z0-9_\-]+)\s", mail["text"]).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def nothing_written_for(store: MemoryStore, email: str) -> bool:
    return store.accounts.owner_of(email) is None


def snapshot(store: MemoryStore) -> dict:
    """Every table as it is now (values are frozen: a shallow copy is a snapshot)."""
    return {name: dict(table) for name, table in store.db._tables.items() if name != "rates"}


def test_knowing_the_address_without_its_mail_creates_nothing(store):
    from chalicelib.services.earners import ceremonies, open_signup

    code = code_in(signup(store))
    assert nothing_written_for(store, ADA)  # the address is proven before the account exists
    with pytest.raises(Invalid, match="not right"):
        open_signup.prove_code(ADA, wrong(code), IP, browser=BROWSER_B, store=store)
    with pytest.raises(ceremonies.CeremonyGone):  # a made-up ceremony
        open_signup.finish("x" * 43, DETAILS, browser=BROWSER_B, store=store)
    assert nothing_written_for(store, ADA) and store.db.table("ceremonies") == {}


def test_the_code_of_another_address_does_not_prove_this_one(store):
    from chalicelib.services.earners import open_signup

    signup(store, ADA)
    mine = code_in(signup(store, "mallory@example.org"))
    with pytest.raises(Invalid, match="not right"):
        open_signup.prove_code(ADA, mine, IP, browser=BROWSER_B, store=store)
    assert store.codes.signup_code(ADA).attempts == 1 and nothing_written_for(store, ADA)


def test_the_sixth_try_is_refused_even_with_the_right_code(store):
    from chalicelib.services.earners import open_signup

    code = code_in(signup(store))
    details = []
    for _ in range(5):
        with pytest.raises(Invalid) as refused:
            open_signup.prove_code(ADA, wrong(code), IP, browser=BROWSER_A, store=store)
        details.append(refused.value.detail)
    assert details[0] == "This code is not right; 4 tries left." and "no longer valid" in details[-1]
    with pytest.raises(Invalid, match="no longer valid"):
        open_signup.prove_code(ADA, code, IP, browser=BROWSER_A, store=store)
    assert store.db.table("ceremonies") == {}


def test_a_forwarded_link_proves_the_address_only_in_the_browser_that_opened_it(store):
    from chalicelib.services.earners import ceremonies, open_signup

    mail = signup(store)
    token = link_in(mail)
    secret = open_signup.prove_link(token, browser=BROWSER_A, store=store)
    with pytest.raises(Conflict):  # spent: opened once
        open_signup.prove_link(token, browser=BROWSER_B, store=store)
    with pytest.raises(Invalid, match="no longer valid"):  # the code went with its link
        open_signup.prove_code(ADA, code_in(mail), IP, browser=BROWSER_B, store=store)
    with pytest.raises(ceremonies.CeremonyGone):  # the secret, copied to another browser
        open_signup.finish(secret, DETAILS, browser=BROWSER_B, store=store)
    made = open_signup.finish(secret, DETAILS, browser=BROWSER_A, store=store)
    assert store.accounts.owner_of(ADA).account_id == made.id and store.accounts.owner_of(ADA).verified


def test_a_ceremony_is_finished_once_and_only_by_its_browser(store):
    from chalicelib.services.earners import ceremonies, open_signup

    secret = open_signup.prove_code(ADA, code_in(signup(store)), IP, browser=BROWSER_A, store=store)
    with pytest.raises(ceremonies.CeremonyGone):
        open_signup.finish(secret, DETAILS, browser=BROWSER_B, store=store)
    with pytest.raises(ceremonies.CeremonyGone):
        open_signup.finish(secret, DETAILS, browser=None, store=store)
    assert nothing_written_for(store, ADA)
    made = open_signup.finish(secret, DETAILS, browser=BROWSER_A, store=store)
    with pytest.raises(ceremonies.CeremonyGone):  # replayed
        open_signup.finish(secret, DETAILS | {"first_name": "Eve"}, browser=BROWSER_A, store=store)
    account = store.accounts.get(made.id)
    assert (account.first_name, account.password_hash is not None, account.terms_at is not None) == (
        "Ada",
        True,
        True,
    )
    assert account.product_mail is False  # unchecked unless asked


def test_an_address_verified_on_an_account_gets_sign_in_or_reset_and_no_code(store):
    from chalicelib.services.earners import accounts, activation

    owner = accounts.register(accounts.Registration(ADA, "Ada", "L", PASSWORD), store=store)
    activation.verify_owner(owner, ADA, store=store)
    mail = signup(store)
    assert mail["subject"] == "You already have a Laurel account"
    assert "/password/forgot" in mail["text"] and not re.search(r"\d{6}", mail["text"])
    assert store.codes.signup_code(ADA) is None


def test_an_address_verified_after_the_code_cannot_be_taken(store):
    from chalicelib.services.earners import accounts, activation, open_signup

    secret = open_signup.prove_code(ADA, code_in(signup(store)), IP, browser=BROWSER_A, store=store)
    owner = accounts.register(accounts.Registration(ADA, "Ada", "L", OTHER), store=store)
    activation.verify_owner(owner, ADA, store=store)  # verified on another account meanwhile
    before = snapshot(store)
    with pytest.raises(open_signup.AlreadyRegistered, match="sign in, or reset your password"):
        open_signup.finish(secret, DETAILS, browser=BROWSER_A, store=store)
    assert snapshot(store) == before and store.accounts.owner_of(ADA).account_id == owner.id


def test_a_verified_owner_appearing_during_the_write_is_still_refused(store):
    from chalicelib.services.earners import accounts, activation, open_signup

    secret = open_signup.prove_code(ADA, code_in(signup(store)), IP, browser=BROWSER_A, store=store)
    real_owner_of = store.accounts.owner_of

    def racing_owner_of(email):  # read before another account verifies the address
        seen = real_owner_of(email)
        store.accounts.owner_of = real_owner_of
        owner = accounts.register(accounts.Registration(ADA, "Ada", "L", OTHER), store=store)
        activation.verify_owner(owner, ADA, store=store)
        return seen

    store.accounts.owner_of = racing_owner_of
    with pytest.raises(open_signup.AlreadyRegistered):  # Taken by the store's condition
        open_signup.finish(secret, DETAILS, browser=BROWSER_A, store=store)
    owner = store.accounts.owner_of(ADA)
    assert owner.verified and store.accounts.get(owner.account_id).first_name == "Ada"
    assert store.accounts.get(owner.account_id).terms_at is None  # the other account, not ours


def test_an_unverified_hold_is_taken_over_and_the_holder_loses_it(store):
    from chalicelib.services.earners import accounts, activation, open_signup

    hold = accounts.register(accounts.Registration(ADA, "Mallory", "M", OTHER), store=store)
    held_code = code_in([m for m in store.mail.sent if m["to"] == ADA][-1])
    secret = open_signup.prove_code(ADA, code_in(signup(store)), IP, browser=BROWSER_A, store=store)
    made = open_signup.finish(secret, DETAILS, browser=BROWSER_A, store=store)
    assert store.accounts.owner_of(ADA).account_id == made.id
    assert store.accounts.addresses(hold.id) == []
    with pytest.raises(Conflict):  # the hold's activation no longer takes the address back
        activation.by_code(ADA, held_code, IP, {"password": OTHER}, store=store)
    assert store.accounts.owner_of(ADA).account_id == made.id


def test_terms_unchecked_is_refused_writes_nothing_and_can_be_corrected(store):
    from chalicelib.services.earners import open_signup

    secret = open_signup.prove_code(ADA, code_in(signup(store)), IP, browser=BROWSER_A, store=store)
    for form in (DETAILS | {"terms": ""}, DETAILS | {"password2": OTHER}, DETAILS | {"first_name": ""}):
        with pytest.raises(Invalid) as refused:
            open_signup.finish(secret, form, browser=BROWSER_A, store=store)
        assert refused.value.status == 422
        assert nothing_written_for(store, ADA)
    made = open_signup.finish(secret, DETAILS | {"product_mail": "on"}, browser=BROWSER_A, store=store)
    assert store.accounts.get(made.id).product_mail is True


def test_a_busy_store_never_spends_a_code_or_a_ceremony(store):
    from chalicelib.services.earners import open_signup

    code = code_in(signup(store))
    real_try = store.codes.try_signup_code

    def busy_try(email, *, below):
        store.db.faults.busy_next()  # the counted try itself is refused, as a throttled UpdateItem
        return real_try(email, below=below)

    store.codes.try_signup_code = busy_try
    with pytest.raises(Busy):
        open_signup.prove_code(ADA, code, IP, browser=BROWSER_A, store=store)
    store.codes.try_signup_code = real_try
    assert store.codes.signup_code(ADA).attempts == 0
    real_put = store.ceremonies.put

    def busy_put(ceremony):
        store.db.faults.busy_next()
        return real_put(ceremony)

    store.ceremonies.put = busy_put
    with pytest.raises(Busy):  # the ceremony could not be kept: the code is not spent
        open_signup.prove_code(ADA, code, IP, browser=BROWSER_A, store=store)
    store.ceremonies.put = real_put
    assert store.codes.signup_code(ADA) is not None
    secret = open_signup.prove_code(ADA, code, IP, browser=BROWSER_A, store=store)
    real_create = store.accounts.create_verified

    def busy_create(*args, **kw):
        store.db.faults.busy_next()
        return real_create(*args, **kw)

    store.accounts.create_verified = busy_create
    with pytest.raises(Busy):
        open_signup.finish(secret, DETAILS, browser=BROWSER_A, store=store)
    store.accounts.create_verified = real_create
    assert nothing_written_for(store, ADA)
    made = open_signup.finish(secret, DETAILS, browser=BROWSER_A, store=store)  # the same ceremony works
    assert store.accounts.owner_of(ADA).account_id == made.id


def test_sign_up_mail_is_counted_per_address_alike_for_every_address(store):
    from chalicelib.services.earners import accounts, activation, open_signup
    from chalicelib.services.shared.ratelimit import TooMany

    owner = accounts.register(accounts.Registration(ADA, "Ada", "L", PASSWORD), store=store)
    activation.verify_owner(owner, ADA, store=store)
    for email in (ADA, "nobody@example.org"):
        open_signup.start(email, IP, store=store)
        with pytest.raises(TooMany, match="sent a code recently"):  # a second one within the minute
            open_signup.start(email, IP, store=store)
    assert run_mail_queue(store) == 2


def test_a_redelivered_request_mails_once_and_a_new_code_replaces_the_old(store):
    from chalicelib.services.earners import open_signup
    from chalicelib.services.shared import onetime

    open_signup.start(ADA, IP, store=store)
    [message] = store.queue.drain()
    for _ in range(2):
        open_signup.mail_signup(message["email"], message["request_id"], message["at"], store=store)
    assert len([m for m in store.mail.sent if m["to"] == ADA]) == 1
    first = [m for m in store.mail.sent if m["to"] == ADA][-1]
    open_signup.mail_signup(ADA, "another-request", message["at"], store=store)
    second = [m for m in store.mail.sent if m["to"] == ADA][-1]
    assert store.codes.token(onetime.link_hash(link_in(first))) is None
    assert store.codes.signup_code(ADA).token_hash == onetime.link_hash(link_in(second))
    assert open_signup.prove_link(link_in(second), browser=BROWSER_A, store=store)


def test_a_malformed_address_is_refused_before_anything_is_queued(store):
    from chalicelib.services.earners import open_signup

    for email in ("", "not an address", "a@b@example.org", "x" * 300 + "@example.org"):
        with pytest.raises(Invalid) as refused:
            open_signup.start(email, IP, store=store)
        assert refused.value.errors[0]["field"] == "email"
    assert store.queue.drain() == []
