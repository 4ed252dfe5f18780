"""No personal data in logs: a whole journey, with mail failures that quote addresses, logs none."""

from __future__ import annotations

import logging

import pytest
from botocore.exceptions import ClientError

from chalicelib.logs import REDACTED, redact
from tests.support.accounts import award, claim_path_for, register
from tests.support.altcha import solved
from tests.support.earners import Browser
from tests.support.inprocess import drain_queue

NOOR = "Noor.Rahman+badges@example.org"  # mixed case: logged in any form, it must not appear
REJECTED = "grace.hopper@example.net"
BULK = ["amal@example.org", "li.wei@example.net"]
UNKNOWN = "nobody@example.com"


@pytest.mark.parametrize(
    "text",
    [
        "to ada@example.org.",
        "<Ada.Lovelace+x@Example.ORG>",
        "identities failed the check: grace@xn--bcher-kva.example, bob@ex.co.uk",
        "EMAIL#zoë@bücher.example",
    ],
)
def test_redact_removes_every_address(text):
    redacted = redact(text)
    assert "@" not in redacted and REDACTED in redacted


def test_redact_leaves_other_text_alone():
    assert redact("job 7 batch 3 of 20 failed (Throttling) @ 12:00") == (
        "job 7 batch 3 of 20 failed (Throttling) @ 12:00"
    )


def rejecting(address: str):
    """SES's own words when it refuses an address, quoting it."""
    error = {"Code": "MessageRejected", "Message": f"Email address is not verified: {address}"}
    return ClientError({"Error": error}, "SendTemplatedEmail")


def test_a_journey_with_failures_logs_no_address(
    client, issuer, badge_class, mails, monkeypatch, caplog, capsys
):
    from chalicelib.store import mail

    caplog.set_level(logging.INFO)  # what the Lambda logs
    award(issuer, badge_class, NOOR.lower())
    browser, r = register(client, claim_path_for(NOOR.lower()))
    assert r.status_code == 200, r.text
    login = {"csrf_token": browser.csrf(), "email": NOOR, "password": "not the password at all"}
    assert browser.post("/login", login).status_code == 401
    forgot = Browser(client)
    assert (
        forgot.post(
            "/password/forgot", {"altcha": solved(), "csrf_token": forgot.csrf(), "email": UNKNOWN}
        ).status_code
        == 200
    )

    real_send = mail.send_templated

    def refuse_one(to, template, data):
        if to == REJECTED:
            raise rejecting(to)
        return real_send(to, template, data)

    monkeypatch.setattr(mail, "send_templated", refuse_one)
    failed = award(issuer, badge_class, REJECTED)
    drain_queue()
    assert issuer.api.call("GET", f"/api/v1/assertions/{failed['id']}").json["notice"] == "failed"

    def refuse_all(template, shared, destinations):
        raise rejecting(", ".join(to for to, _ in destinations))

    monkeypatch.setattr(mail, "send_bulk", refuse_all)
    rows = [{"recipient_email": email} for email in BULK]
    r = issuer.api.call(
        "POST", f"/api/v1/badgeclasses/{badge_class['id']}/assertions/bulk", {"assertions": rows}
    )
    assert r.status_code == 202, r.body
    drain_queue()

    logged = caplog.text + "".join(capsys.readouterr())
    assert logged.count(REDACTED) >= 2, logged  # the two failures were logged, without their addresses
    for address in [NOOR, REJECTED, UNKNOWN, *BULK]:
        for form in {address, address.lower(), address.split("@")[0] + "@"}:
            assert form not in logged, f"{form} is in the logs"
