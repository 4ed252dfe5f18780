"""No user enumeration: the merge page, activation resends, forgot-password and sign-up answer alike, with the
same AWS work, whether or not an account uses the address."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support.accounts import ADA, add, award, claim_path_for, register
from tests.support.altcha import solved
from tests.support.earners import PASSWORD, Browser, csrf_token
from tests.support.inprocess import drain_queue, sent_mail

UNKNOWN = "nobody.here@example.net"


@pytest.fixture
def other(client, issuer, badge_class, mails):
    """A second, activated account holding grace@example.org, signed in."""
    from tests.support.earners import activation_code

    award(issuer, badge_class, email="grace@example.org")
    browser, r = register(client, claim_path_for("grace@example.org"), first_name="Grace")
    code = activation_code([m for m in mails if m["to"] == "grace@example.org"][-1]["html"])
    form = {"csrf_token": browser.csrf(), "email": "grace@example.org", "code": code, "password": PASSWORD}
    r = browser.post("/activate", form)
    assert r.status_code == 303
    return browser


@pytest.fixture
def aws_calls(monkeypatch):
    """The AWS operations made while the block runs, in order (botocore, so PynamoDB's too)."""
    from botocore.client import BaseClient

    calls: list[str] = []
    original = BaseClient._make_api_call

    def record(self, operation, params):
        calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    return calls


def test_the_merge_page_answers_alike_for_held_and_unheld_addresses(other, ada):
    held = other.get(f"/settings/emails/merge?email={ADA}")
    unheld = other.get(f"/settings/emails/merge?email={UNKNOWN}")
    assert held.status_code == unheld.status_code == 200
    assert held.text.replace(ADA, "X") == unheld.text.replace(UNKNOWN, "X")


def test_merge_by_password_and_code_answer_alike_for_unheld_addresses(other, ada, mails):
    answers = {}
    for email in (ADA, UNKNOWN):
        page = other.get(f"/settings/emails/merge?email={email}")
        form = {"csrf_token": csrf_token(page.text), "email": email, "password": "a guess that is wrong"}
        wrong = other.post("/settings/emails/merge", {**form, "method": "password"})
        code = other.post("/settings/emails/merge/code", form)
        answers[email] = (wrong.status_code, wrong.text.replace(email, "X"), code.status_code)
    assert answers[ADA] == answers[UNKNOWN]
    assert answers[ADA][0] == 422 and answers[ADA][2] == 200
    assert [m["to"] for m in mails].count(UNKNOWN) == 0  # nothing went to an address no one holds


def test_a_second_activation_resend_is_429_for_every_address(client, issuer, badge_class, mails):
    award(issuer, badge_class)
    browser, r = register(client, claim_path_for(ADA))  # registered, waiting for activation
    assert r.status_code == 200
    answers = {}
    for email in (ADA, UNKNOWN):
        statuses = []
        for _ in range(2):
            statuses.append(
                browser.post(
                    "/activate/resend", {"altcha": solved(), "csrf_token": browser.csrf(), "email": email}
                )
            )
        answers[email] = [s.status_code for s in statuses]
    assert answers[ADA] == answers[UNKNOWN] == [200, 429]


def test_forgot_password_does_the_same_aws_work_for_known_and_unknown_addresses(
    ada, client, aws_calls, mails
):
    """The mail is queued for both: the request itself sends nothing, so its timing tells nothing."""
    work = {}
    for email in (ADA, UNKNOWN):
        browser = Browser(client)
        token = browser.csrf("/password/forgot")
        del aws_calls[:]
        sent = len(mails)
        r = browser.post("/password/forgot", {"altcha": solved(), "csrf_token": token, "email": email})
        assert r.status_code == 200 and "If an account uses that address" in r.text
        assert len(mails) == sent  # nothing mailed during the request
        work[email] = list(aws_calls)
    assert work[ADA] == work[UNKNOWN] and "SendEmail" not in work[ADA] and "SendMessageBatch" in work[ADA]
    drain_queue()
    assert [m["to"] for m in mails].count(ADA) == 2 and UNKNOWN not in [m["to"] for m in mails]
    assert mails[-1]["subject"] == "Reset your Laurel password"


def test_a_redelivered_request_mails_once(ada, client, mails):
    from chalicelib.routes.workers import HANDLERS

    browser = Browser(client)
    browser.post(
        "/password/forgot", {"altcha": solved(), "csrf_token": browser.csrf("/password/forgot"), "email": ADA}
    )
    message = {"kind": "reset", "email": ADA, "request_id": "r-1", "at": 1_800_000_000}
    assert HANDLERS["reset"](message) == "sent"
    assert HANDLERS["reset"](message) == "duplicate"
    assert [m["subject"] for m in mails].count("Reset your Laurel password") == 1
    resend = {**message, "kind": "activation", "request_id": "r-2"}
    assert HANDLERS["activation"](resend) == "nothing to activate"  # Ada is active already
    assert HANDLERS["activation"](resend) == "duplicate"


def test_activation_resend_does_the_same_aws_work_for_waiting_and_unknown(
    client, issuer, badge_class, aws_calls, mails
):
    award(issuer, badge_class)
    browser, r = register(client, claim_path_for(ADA))  # registered, waiting for activation
    assert r.status_code == 200
    work = {}
    for email in (ADA, UNKNOWN):
        token = browser.csrf("/activate")
        del aws_calls[:]
        sent = len(mails)
        assert (
            browser.post(
                "/activate/resend", {"altcha": solved(), "csrf_token": token, "email": email}
            ).status_code
            == 200
        )
        assert len(mails) == sent
        work[email] = list(aws_calls)
    assert work[ADA] == work[UNKNOWN] and "SendEmail" not in work[ADA]
    drain_queue()
    assert [m["to"] for m in mails] == [ADA, ADA]  # registration, then the resend; none to UNKNOWN


def test_a_reset_mail_that_ses_throttled_is_sent_by_the_redelivery(ada, client):
    """Nothing went out, so the queued request is released: the redelivery sends it, once."""
    from botocore.exceptions import ClientError

    from chalicelib.routes.workers import HANDLERS
    from tests.support.faults import Fault, inject

    def resets() -> int:
        return sum(getattr(m, "subject", "") == "Reset your Laurel password" for m in sent_mail())

    message = {"kind": "reset", "email": ADA, "request_id": "r-3", "at": 1_800_000_000}
    with inject(Fault("SendEmail", code="Throttling", service="ses")) as faults, pytest.raises(ClientError):
        HANDLERS["reset"](message)
    assert faults[0].hits == 1 and resets() == 0
    assert HANDLERS["reset"](message) == "sent" and resets() == 1
    assert HANDLERS["reset"](message) == "duplicate" and resets() == 1


def test_a_queued_resend_serves_only_a_registration_waiting_for_activation(ada, client, mails):
    """An address another account added (unverified) is confirmed only from that account's settings: a
    resend asked by anyone goes to the worker like any other, and the worker mails nothing for it."""
    assert add(ada, UNKNOWN).status_code == 200  # now held, unverified, by Ada's account
    before = len(mails)
    stranger = Browser(client)
    r = stranger.post(
        "/activate/resend", {"altcha": solved(), "csrf_token": stranger.csrf("/activate"), "email": UNKNOWN}
    )
    assert r.status_code == 200
    assert drain_queue() == 1 and len(mails) == before  # looked up, nothing mailed


def test_signup_answers_alike_and_does_the_same_aws_work_for_known_and_unknown_addresses(
    ada, client, aws_calls, mails
):
    work, pages = {}, {}
    for email in (ADA, UNKNOWN):
        browser = Browser(client)
        token = browser.csrf("/signup")
        del aws_calls[:]
        sent = len(mails)
        r = browser.post("/signup", {"csrf_token": token, "email": email, "altcha": solved()})
        assert r.status_code == 200 and "Check your email" in r.text
        assert len(mails) == sent  # nothing mailed during the request
        work[email] = list(aws_calls)
        pages[email] = r.text.replace(email, "@").replace(quote(email), "@").replace(token, "csrf")
    assert work[ADA] == work[UNKNOWN] and "SendEmail" not in work[ADA] and "SendMessageBatch" in work[ADA]
    assert pages[ADA] == pages[UNKNOWN]
    # the budget: six counters (robot check once, client, sign-up mails a minute and a day, mail to the
    # address an hour and a day) and the queue; no read of accounts or codes
    assert work[ADA] == ["UpdateItem"] * 6 + ["SendMessageBatch"]
    drain_queue()
    subjects = {m["to"]: m["subject"] for m in mails[-2:]}
    assert subjects == {ADA: "You already have a Laurel account", UNKNOWN: "Your Laurel sign-up code"}
