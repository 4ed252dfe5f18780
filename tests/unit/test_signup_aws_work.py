"""No user enumeration through /signup on DynamoDB (in-process moto): a known and an unknown address get the
same page from the same AWS calls, in the same order; the request mails nothing (the worker decides)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support.accounts import ADA
from tests.support.altcha import solved
from tests.support.earners import Browser
from tests.support.inprocess import drain_queue

UNKNOWN = "nobody.here@example.net"


@pytest.fixture
def aws_calls(monkeypatch):
    """The AWS operations made while a request runs, in order (botocore, so PynamoDB's too)."""
    from botocore.client import BaseClient

    calls: list[str] = []
    original = BaseClient._make_api_call

    def record(self, operation, params):
        calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    return calls


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
