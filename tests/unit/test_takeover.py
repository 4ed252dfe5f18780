"""Account and badge takeover, attacker first (issue 9): holds, resets, merges, confirm links,
activation, reset links, counted-first limits, busy stores and public badges after removal."""

from __future__ import annotations

import threading

import pytest

from chalicelib.store import current
from tests.support.accounts import ADA, add, award, claim_path_for, last_to, register
from tests.support.altcha import solved
from tests.support.earners import PASSWORD, Browser, activation_code, activation_path, csrf_token, reset_path
from tests.support.faults import Fault, inject
from tests.support.inprocess import drain_queue
from tests.support.races import parallel
from tests.support.takeover import activated, login

MALLORY = "mallory@example.org"
TYPO = "ada@exmaple.org"  # Ada's typo: its mailbox is the attacker's
OTHER_PASSWORD = "another long passphrase 77"
COOKIE = "__Host-laurel_session"


def owner(email):
    from chalicelib.services.earners import accounts

    return accounts.owner_of(email, store=current())


# --- 1. pre-hijack by holding an unverified address ------------------------------------------------


def test_an_unverified_hold_does_not_block_the_owner_and_gets_no_reset(client, issuer, badge_class, mails):
    mallory = activated(client, issuer, badge_class, mails, MALLORY, OTHER_PASSWORD)
    assert add(mallory, ADA).status_code == 200  # unverified on Mallory's account
    forgot = Browser(client)
    forgot.post(
        "/password/forgot", {"altcha": solved(), "csrf_token": forgot.csrf("/password/forgot"), "email": ADA}
    )
    assert drain_queue() == 1  # the worker looked the request up
    assert not [m for m in mails if m["subject"] == "Reset your Laurel password"]  # a hold gets no reset

    badge = award(issuer, badge_class)["id"]  # Ada's badge; she registers from its claim link
    ada, r = register(client, claim_path_for(ADA))
    assert r.status_code == 200 and "6-digit code" in r.text  # not 409 "log in to add the badge"
    code = activation_code(last_to(mails, ADA)["html"])
    r = ada.post("/activate", {"csrf_token": ada.csrf(), "email": ADA, "code": code, "password": PASSWORD})
    assert r.status_code == 303
    held = owner(ADA)
    assert held.verified and held.account_id != accounts_of(mallory).id
    assert ADA not in mallory.get("/settings/emails").text  # Mallory's hold is gone
    assert f"badge-{badge}" not in mallory.get("/backpack").text


def test_a_reset_link_only_resets_the_account_the_address_is_verified_on(client, issuer, badge_class, mails):
    from chalicelib.errors import Conflict
    from chalicelib.services.earners import accounts

    ada = activated(client, issuer, badge_class, mails, ADA)
    accounts.request_reset(ADA, "203.0.113.9", store=current())
    drain_queue()
    path = reset_path(last_to(mails, ADA)["text"])
    from chalicelib.store.dynamo.models import EmailItem

    EmailItem(f"EMAIL#{ADA}", "EMAIL").delete()  # the address leaves the account after the link was mailed
    with pytest.raises(Conflict):
        accounts.reset_token(path.rsplit("/", 1)[-1], store=current())
    assert ada.get("/backpack").status_code == 200  # nothing was reset


# --- 2. merging through an unverified address ------------------------------------------------------


def test_a_merge_cannot_take_an_account_through_an_address_unverified_on_it(
    client, issuer, badge_class, mails
):
    from chalicelib.errors import Invalid
    from chalicelib.services.earners import merge_proof

    ada = activated(client, issuer, badge_class, mails, ADA)
    mallory = activated(client, issuer, badge_class, mails, MALLORY, OTHER_PASSWORD)
    assert add(ada, TYPO).status_code == 200  # Ada's typo, unverified on her account
    attacker = accounts_of(mallory)
    merge_proof.send_code(
        attacker, TYPO, "203.0.113.9", store=current()
    )  # answered as for an address no one holds
    assert not [m for m in mails if "merge" in m["subject"]]  # no code, to the typo or to Ada
    assert current().codes.merge_code(TYPO) is None  # nothing written either
    with pytest.raises(Invalid):  # even Ada's own password: like a wrong one, nothing merged
        merge_proof.by_password(attacker, TYPO, PASSWORD, "203.0.113.9", store=current())
    # adding it takes Ada's hold over instead of merging her account
    assert add(mallory, TYPO).status_code == 200
    assert owner(TYPO).account_id == attacker.id
    assert ada.get("/backpack").status_code == 200 and owner(ADA).account_id != attacker.id


def test_a_merge_code_goes_to_the_other_accounts_primary_address(client, issuer, badge_class, mails):
    from chalicelib.services.earners import accounts, merge_proof

    ada = activated(client, issuer, badge_class, mails, ADA)
    work = "ada.work@example.org"
    add(ada, work)
    code = activation_code(last_to(mails, work)["html"])
    ada.post("/settings/emails/verify", {"csrf_token": ada.csrf(), "email": work, "code": code})
    assert owner(work).verified
    mallory = accounts_of(activated(client, issuer, badge_class, mails, MALLORY, OTHER_PASSWORD))
    merge_proof.send_code(mallory, work, "203.0.113.9", store=current())
    sent = [m for m in mails if m["subject"] == "Your code to merge Laurel accounts"]
    assert [m["to"] for m in sent] == [ADA]  # the verified primary, not the address asked about
    assert accounts.get_account(owner(ADA).account_id, store=current()).merged_into is None


def accounts_of(browser):
    from chalicelib.services.earners import sessions

    session = sessions.find(browser.cookies.get(COOKIE, ""), store=current())
    return session.account if session else None


# --- 3. the address-confirm link works only for the account that asked -----------------------------


def test_a_confirm_link_names_the_asking_account_and_needs_its_session(client, issuer, badge_class, mails):
    mallory = activated(client, issuer, badge_class, mails, MALLORY, OTHER_PASSWORD)
    badge = award(issuer, badge_class)["id"]  # a badge to Ada's address
    add(mallory, ADA)
    path = activation_path(last_to(mails, ADA)["html"].replace("/settings/emails/verify/", "/activate/"))
    path = path.replace("/activate/", "/settings/emails/verify/")
    victim = Browser(client)  # signed out, opens the mail
    page = victim.get(path)
    assert page.status_code == 200 and "m***@example.org" in page.text
    assert "Mallory" not in page.text  # named by its verified address, never by text it chose
    assert "Confirm this address" not in page.text
    r = victim.post(path, {"csrf_token": victim.csrf()})  # as a scripted click would
    assert r.status_code == 403 and not owner(ADA).verified
    assert f"badge-{badge}" not in mallory.get("/backpack").text
    # Mallory's own session confirms nothing without the mailbox: the link is in Ada's mail only
    mine = mallory.get(path)
    assert "Confirm this address" in mine.text


# --- 4. a forwarded claim link cannot pre-create the recipient's account --------------------------


def test_activation_needs_the_registration_password_or_sets_a_new_one(client, issuer, badge_class, mails):
    award(issuer, badge_class)
    _fred, r = register(client, claim_path_for(ADA), password=OTHER_PASSWORD, password2=OTHER_PASSWORD)
    assert r.status_code == 200  # Fred used Ada's forwarded claim link
    mail = last_to(mails, ADA)
    ada = Browser(client)
    path = activation_path(mail["html"])
    page = ada.get(path)
    r = ada.post(path, {"csrf_token": csrf_token(page.text)})
    assert r.status_code == 422 and not owner(ADA).verified  # one click no longer finishes it
    code = activation_code(mail["html"])
    r = ada.post("/activate", {"csrf_token": ada.csrf(), "email": ADA, "code": code})
    assert r.status_code == 422 and not owner(ADA).verified
    new = {"csrf_token": csrf_token(page.text), "new_password": PASSWORD, "new_password2": PASSWORD}
    r = ada.post(path, new)
    assert r.status_code == 303 and owner(ADA).verified
    assert login(client, ADA, OTHER_PASSWORD)[1].status_code == 401  # Fred is out
    assert login(client, ADA, PASSWORD)[1].status_code == 303


# --- reset links end with a password change ---------------------------------------------------------


def test_a_password_change_voids_outstanding_reset_links(client, issuer, badge_class, mails):
    from chalicelib.services.shared import ratelimit

    ada = activated(client, issuer, badge_class, mails, ADA)
    forgot = Browser(client)
    forgot.post(
        "/password/forgot", {"altcha": solved(), "csrf_token": forgot.csrf("/password/forgot"), "email": ADA}
    )
    drain_queue()
    path = reset_path(last_to(mails, ADA)["text"])
    form = {
        "csrf_token": ada.csrf("/password/change"),
        "current_password": PASSWORD,
        "password": OTHER_PASSWORD,
        "password2": OTHER_PASSWORD,
    }
    assert ada.post("/password/change", form).status_code == 303
    assert forgot.get(path).status_code == 409
    r = forgot.post(
        path, {"csrf_token": forgot.csrf("/password/forgot"), "password": "x" * 20, "password2": "x" * 20}
    )
    assert r.status_code == 409
    assert login(client, ADA, OTHER_PASSWORD)[1].status_code == 303

    ratelimit.MAIL_MINUTE.clear(f"reset:{ADA}", store=current())
    first, second = Browser(client), Browser(client)
    for b in (first, second):
        b.post(
            "/password/forgot", {"altcha": solved(), "csrf_token": b.csrf("/password/forgot"), "email": ADA}
        )
        ratelimit.MAIL_MINUTE.clear(f"reset:{ADA}", store=current())
    drain_queue()
    one, two = [reset_path(m["text"]) for m in mails if m["subject"] == "Reset your Laurel password"][-2:]
    done = {"csrf_token": first.csrf("/password/forgot"), "password": PASSWORD, "password2": PASSWORD}
    assert first.post(one, done).status_code == 303
    assert second.get(two).status_code == 409  # a completed reset voids the other links


# --- limits are counted before they are checked -----------------------------------------------------


@pytest.fixture
def atomic_store(monkeypatch):
    """DynamoDB applies each request atomically; moto's in-process backend does not under threads (an
    UpdateItem reads, adds and writes in Python, and a read meanwhile can see a table mid-change), so
    serialise its requests as the real service does."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in (
        "get_item",
        "put_item",
        "update_item",
        "delete_item",
        "query",
        "transact_write_items",
        "transact_get_items",
        "batch_get_item",
    ):
        original = getattr(DynamoDBBackend, name)

        def serialised(self, *args, _original=original, **kwargs):
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, serialised)


def test_sixteen_parallel_wrong_passwords_get_five_tries(
    client, issuer, badge_class, mails, atomic_store, one_rate_window
):
    from chalicelib.services.earners import accounts

    activated(client, issuer, badge_class, mails, ADA)
    results = parallel(
        16, lambda: accounts.login(ADA, "wrong password here", "198.51.100.7", store=current())
    )
    assert results.count("BadLogin") == 5 and results.count("TooMany") == 11, results
    with pytest.raises(Exception, match="Too many"):
        accounts.login(ADA, PASSWORD, "198.51.100.8", store=current())


def test_parallel_merge_passwords_get_five_tries(
    client, issuer, badge_class, mails, atomic_store, one_rate_window
):
    from chalicelib.services.earners import merge_proof

    activated(client, issuer, badge_class, mails, ADA)
    mallory = accounts_of(activated(client, issuer, badge_class, mails, MALLORY, OTHER_PASSWORD))
    results = parallel(
        16,
        lambda: merge_proof.by_password(mallory, ADA, "wrong password here", "198.51.100.7", store=current()),
    )
    assert results.count("Invalid") == 5 and results.count("TooMany") == 11, results


def test_a_right_password_does_not_use_up_the_limit(client, issuer, badge_class, mails):
    from chalicelib.services.earners import accounts

    activated(client, issuer, badge_class, mails, ADA)
    for _ in range(8):
        assert accounts.login(ADA, PASSWORD, "198.51.100.9", store=current()).primary_email == ADA


# --- a busy store is not "address taken" -------------------------------------------------------------


def test_a_conflicting_transaction_at_registration_is_busy_not_taken(client, issuer, badge_class, mails):
    award(issuer, badge_class)
    fault = Fault("TransactWriteItems", code="TransactionCanceledException", reasons="TransactionConflict")
    with inject(fault):
        _, r = register(client, claim_path_for(ADA))
    assert r.status_code == 503 and r.headers["Retry-After"]
    assert owner(ADA) is None  # nothing half-written
    _, r = register(client, claim_path_for(ADA))
    assert r.status_code == 200


def test_a_taken_address_is_still_409(client, issuer, badge_class, mails):
    activated(client, issuer, badge_class, mails, ADA)
    award(issuer, badge_class, allow_duplicate=True)
    _, r = register(client, claim_path_for(ADA))
    assert r.status_code == 409 and "log in to add the badge" in r.text


def test_translator_tells_conditions_from_busy():
    from botocore.exceptions import ClientError

    from chalicelib.errors import Conflict
    from chalicelib.store import aws

    def cancelled(*codes):
        response = {
            "Error": {"Code": "TransactionCanceledException", "Message": "x"},
            "CancellationReasons": [{"Code": c} for c in codes],
        }
        return ClientError(response, "TransactWriteItems")

    with pytest.raises(Conflict), aws.refusing(lambda: Conflict("taken")):
        raise cancelled("None", "ConditionalCheckFailed")
    for busy in (cancelled("TransactionConflict", "None"), cancelled("ThrottlingError")):
        with pytest.raises(ClientError), aws.refusing(lambda: Conflict("taken")):
            raise busy


# --- a removed address's public badges leave the public pages ---------------------------------------


def test_removing_an_address_unpublishes_its_badges(client, issuer, badge_class, mails):
    ada = activated(client, issuer, badge_class, mails, ADA)
    work = "ada.work@example.org"
    badge = award(issuer, badge_class, email=work)["id"]
    add(ada, work)
    code = activation_code(last_to(mails, work)["html"])
    ada.post("/settings/emails/verify", {"csrf_token": ada.csrf(), "email": work, "code": code})
    assert ada.post(f"/backpack/{badge}/accept", {"csrf_token": ada.csrf()}).status_code == 303
    r = ada.post(f"/backpack/{badge}/privacy", {"csrf_token": ada.csrf(), "public": "1"})
    assert r.status_code == 303 and Browser(client).get(f"/badges/{badge}").status_code == 200
    r = ada.post("/settings/emails/remove", {"csrf_token": ada.csrf(), "email": work})
    assert r.status_code == 303
    assert Browser(client).get(f"/badges/{badge}").status_code == 404


def test_another_account_asking_for_an_address_uses_up_only_its_own_mails(client, issuer, badge_class, mails):
    work = "ada.work@example.org"
    ada = activated(client, issuer, badge_class, mails, ADA)
    mallory = activated(client, issuer, badge_class, mails, MALLORY, OTHER_PASSWORD)
    assert add(mallory, work).status_code == 200
    r = mallory.post("/settings/emails/resend", {"csrf_token": mallory.csrf(), "email": work})
    assert r.status_code == 429  # counted before it is checked: one a minute
    r = add(ada, work)  # the owner is neither blocked by the hold nor by Mallory's count
    assert r.status_code == 200 and "6-digit code" in r.text
    assert owner(work).account_id == accounts_of(ada).id
    assert [m["to"] for m in mails].count(work) == 2


def test_a_busy_store_when_accepting_is_503_not_changed_meanwhile(client, issuer, badge_class, mails):
    ada = activated(client, issuer, badge_class, mails, ADA)
    badge = award(issuer, badge_class, allow_duplicate=True)["id"]
    csrf = ada.csrf()
    with inject(Fault("TransactWriteItems", times=20)):  # the award and its address's counts
        r = ada.post(f"/backpack/{badge}/accept", {"csrf_token": csrf})
    assert r.status_code == 503
    assert ada.post(f"/backpack/{badge}/accept", {"csrf_token": csrf}).status_code == 303


def test_an_address_code_cannot_be_spent_on_the_activation_page(client, issuer, badge_class, mails):
    """Mallory adds Ada's address; Ada, finding a code in her mail, enters it on /activate: that must
    neither confirm the address on Mallory's account nor sign Ada in there."""
    mallory = activated(client, issuer, badge_class, mails, MALLORY, OTHER_PASSWORD)
    add(mallory, ADA)
    code = activation_code(last_to(mails, ADA)["html"])
    ada = Browser(client)
    form = {
        "csrf_token": ada.csrf(),
        "email": ADA,
        "code": code,
        "new_password": PASSWORD,
        "new_password2": PASSWORD,
    }
    r = ada.post("/activate", form)
    assert r.status_code == 409 and not owner(ADA).verified
    assert COOKIE not in ada.cookies or accounts_of(ada) is None
    assert login(client, MALLORY, OTHER_PASSWORD)[1].status_code == 303  # her password was not replaced


def test_adding_an_address_does_not_cut_short_a_registration_waiting_for_activation(
    client, issuer, badge_class, mails
):
    from datetime import timedelta

    from chalicelib.store.dynamo.models import EmailItem

    mallory = activated(client, issuer, badge_class, mails, MALLORY, OTHER_PASSWORD)
    award(issuer, badge_class)
    ada, r = register(client, claim_path_for(ADA))
    assert r.status_code == 200
    r = add(mallory, ADA)
    assert r.status_code == 422 and 'id="email-error"' in r.text and "waiting for a new account" in r.text
    code = activation_code(last_to(mails, ADA)["html"])  # Ada's activation mail still works
    r = ada.post("/activate", {"csrf_token": ada.csrf(), "email": ADA, "code": code, "password": PASSWORD})
    assert r.status_code == 303 and owner(ADA).verified

    lapsed = "lapsed@example.org"  # a registration never activated: after a day its hold ends
    award(issuer, badge_class, email=lapsed)
    register(client, claim_path_for(lapsed))
    held = owner(lapsed)
    EmailItem(f"EMAIL#{lapsed}", "EMAIL").update(
        actions=[EmailItem.created_at.set(held.created_at - timedelta(days=2))]
    )
    assert add(mallory, lapsed).status_code == 200 and owner(lapsed).account_id == accounts_of(mallory).id


def test_password_tries_count_per_account_whichever_address_or_form(client, issuer, badge_class, mails):
    from chalicelib.services.earners import accounts, merge_proof
    from chalicelib.services.shared.ratelimit import TooMany

    ada = activated(client, issuer, badge_class, mails, ADA)
    work = "ada.work@example.org"
    add(ada, work)
    code = activation_code(last_to(mails, work)["html"])
    ada.post("/settings/emails/verify", {"csrf_token": ada.csrf(), "email": work, "code": code})
    mallory = accounts_of(activated(client, issuer, badge_class, mails, MALLORY, OTHER_PASSWORD))
    outcomes = []
    for attempt in [
        lambda ip: accounts.login(ADA, "wrong password here", ip, store=current()),
        lambda ip: accounts.login(work, "wrong password here", ip, store=current()),
        lambda ip: merge_proof.by_password(mallory, work, "wrong password here", ip, store=current()),
    ] * 2:
        try:
            attempt(f"198.51.100.{len(outcomes)}")  # a new client each time
        except Exception as error:  # the outcome is what is counted
            outcomes.append(type(error).__name__)
    assert outcomes == ["BadLogin", "BadLogin", "Invalid", "BadLogin", "BadLogin", "TooMany"]
    with pytest.raises(TooMany):
        accounts.login(ADA, PASSWORD, "198.51.100.99", store=current())
