"""A busy store never spends a one-time link or code: the reset link, the activation code and the merge
code each answer 503 (Busy right now) while the table is throttled, and work on the retry (issue 9)."""

from __future__ import annotations

from tests.support.accounts import ADA, award, claim_path_for, last_to, register
from tests.support.altcha import solved
from tests.support.earners import PASSWORD, Browser, activation_code, csrf_token, reset_path
from tests.support.faults import Fault, inject
from tests.support.inprocess import drain_queue
from tests.support.merging import OLD, assert_busy_page, assert_merged, merge_form, sign_in
from tests.support.takeover import activated, login

NEW_PASSWORD = "a brand new passphrase 99"


def _touches(attribute: str):
    return lambda params: (
        attribute
        in repr(params.get("UpdateExpression", "")) + repr(params.get("ExpressionAttributeNames", {}))
    )


def test_a_throttled_reset_is_busy_and_the_link_still_works(client, issuer, badge_class, mails):
    activated(client, issuer, badge_class, mails, ADA)
    forgot = Browser(client)
    forgot.post(
        "/password/forgot", {"altcha": solved(), "csrf_token": forgot.csrf("/password/forgot"), "email": ADA}
    )
    drain_queue()
    path = reset_path(last_to(mails, ADA)["text"])
    form = {
        "csrf_token": forgot.csrf("/password/forgot"),
        "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    with inject(Fault("DeleteItem")) as faults:
        assert_busy_page(forgot.post(path, form))  # was: 409 "already used" with the link still live
    assert faults[0].hits == 1
    assert login(client, ADA, PASSWORD)[1].status_code == 303  # nothing changed
    assert forgot.post(path, form).status_code == 303
    assert login(client, ADA, NEW_PASSWORD)[1].status_code == 303


def test_a_throttled_activation_is_busy_and_the_code_still_works(client, issuer, badge_class, mails):
    award(issuer, badge_class)
    browser, r = register(client, claim_path_for(ADA), password=PASSWORD, password2=PASSWORD)
    assert r.status_code == 200, r.text
    code = activation_code(last_to(mails, ADA)["html"])
    form = {"csrf_token": browser.csrf(), "email": ADA, "code": code, "password": PASSWORD}
    with inject(Fault("UpdateItem", when=_touches("attempts"))) as faults:
        assert_busy_page(browser.post("/activate", form))  # was: 422 "no longer valid"
    assert faults[0].hits == 1
    assert browser.post("/activate", form).status_code == 303


def test_a_throttled_merge_code_is_busy_and_the_code_still_works(client, accounts, mails):
    ada, old, awarded = accounts
    browser = sign_in(client, "ada@example.org")
    page = browser.get(f"/settings/emails/merge?email={OLD[1]}")
    r = browser.post("/settings/emails/merge/code", {"csrf_token": csrf_token(page.text), "email": OLD[1]})
    assert r.status_code == 200
    code = activation_code([m for m in mails if m["to"] == OLD[0]][-1]["html"])
    with inject(Fault("UpdateItem", when=_touches("attempts"))) as faults:
        assert_busy_page(merge_form(browser, OLD[1], method="code", code=code))  # was: "no longer valid"
    assert faults[0].hits == 1
    assert merge_form(browser, OLD[1], method="code", code=code).status_code == 303
    assert_merged(ada, old, awarded)
