"""Faults in a single award and its notice: a busy store answers 503 and a retry awards once; the
notice worker sends each notice exactly once whatever fails, or says plainly that it may not have."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from tests.support.faults import (
    Crash,
    Fault,
    inject,
    mails_per_recipient,
    queue_url,
    waiting,
    work_queue,
)
from tests.support.inprocess import assert_problem, store_snapshot

ADA = {"recipient_email": "ada@example.org", "recipient_name": "Ada Lovelace"}
UNCONFIRMED = "delivery unconfirmed after an interruption; resend to be sure"


def award(issuer, badge: dict, key: str | None = None, body: dict = ADA):
    headers = {"Idempotency-Key": key} if key else None
    return issuer.api.call("POST", f"/api/v1/badgeclasses/{badge['id']}/assertions", body, headers=headers)


def notice(issuer, assertion_id: str) -> tuple[str, str | None]:
    r = issuer.api.call("GET", f"/api/v1/assertions/{assertion_id}")
    return r.json["notice"], r.json["notice_error"]


def only_award(issuer) -> dict:
    items = issuer.api.call("GET", "/api/v1/assertions").json["items"]
    assert len(items) == 1, items
    return items[0]


def is_sent_update(params: dict) -> bool:
    return {"S": "sent"} in params.get("ExpressionAttributeValues", {}).values()


# --- the API: transient AWS errors are 503 with Retry-After, and retries award once --------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault("TransactWriteItems"),
        Fault("TransactWriteItems", code="TransactionCanceledException", reasons="TransactionConflict"),
        Fault("TransactWriteItems", code="InternalServerError"),
    ],
    ids=["throttled", "conflict", "internal"],
)
def test_a_busy_store_answers_503_and_the_retry_awards_once(issuer, badge_class, fault):
    before = store_snapshot()
    with inject(fault):
        r = award(issuer, badge_class, key="ada-1")
    assert_problem(r, 503, "Idempotency-Key")
    assert r.headers["Retry-After"] == "2"
    assert store_snapshot() == before  # nothing half-written, nothing queued
    first = award(issuer, badge_class, key="ada-1")
    again = award(issuer, badge_class, key="ada-1")  # queues a copy of the notice: harmless
    assert (first.status_code, again.status_code, again.json["id"]) == (201, 200, first.json["id"])
    assert work_queue() == ["ok", "ok"]
    assert mails_per_recipient() == {"ada@example.org": 1}
    # the award, its key, its guard and its address's counts (store/shelves.py)
    assert store_snapshot()["assertions"] == before["assertions"] + 4
    assert only_award(issuer)["notice"] == "sent"


def test_an_award_whose_answer_was_lost_is_found_and_mailed_once_on_retry(issuer, badge_class):
    with inject(Fault("TransactWriteItems", after=True)):  # written, but the answer never came
        assert_problem(award(issuer, badge_class, key="ada-1"), 503)
    assert work_queue() == []  # the request stopped before queueing the notice
    retry = award(issuer, badge_class, key="ada-1")
    assert retry.status_code == 200 and retry.json["id"] == only_award(issuer)["id"]
    assert work_queue() == ["ok"]
    assert mails_per_recipient() == {"ada@example.org": 1}
    assert notice(issuer, retry.json["id"]) == ("sent", None)


def test_a_queue_refusing_the_notice_shows_it_failed_and_a_resend_mails_once(issuer, badge_class):
    with inject(Fault("SendMessageBatch", service="sqs", code="ThrottlingException")):
        r = award(issuer, badge_class)
    assert r.status_code == 201 and r.json["notice"] == "failed"
    assert issuer.api.call("POST", f"/api/v1/assertions/{r.json['id']}/resend").status_code == 200
    assert work_queue() == ["ok"]
    assert mails_per_recipient() == {"ada@example.org": 1}


@pytest.mark.parametrize(
    ("operation", "error"),
    [
        ("GetItem", None),  # the API key lookup, through PynamoDB
        ("GetItem", EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")),
    ],
    ids=["throttled", "unreachable"],
)
def test_reads_that_outlive_the_retries_are_503_too(issuer, operation, error):
    with inject(Fault(operation, error=error, times=9)):
        r = issuer.api.call("GET", "/api/v1/assertions")
    assert_problem(r, 503)
    assert r.headers["Retry-After"] == "2"


def test_an_unexpected_aws_error_is_still_a_500(issuer):
    with inject(Fault("Query", code="ValidationException")):
        r = issuer.api.call("GET", "/api/v1/assertions")
    assert_problem(r, 500)
    assert "Retry-After" not in r.headers


def test_a_page_answers_a_friendly_503(client):
    with inject(Fault("GetItem", times=9)):
        r = client.http.get("/claim/abc.def", headers={"Accept": "text/html"})
    body = r.body.decode()
    assert r.status_code == 503 and r.headers["Retry-After"] == "2", body
    assert "Busy right now" in body and "try again in a few seconds" in body


def test_only_answers_that_refuse_for_now_count_as_transient():
    from chalicelib.store import aws

    def answer(code: str, reasons: list[str] | None = None) -> ClientError:
        response = {"Error": {"Code": code}}
        if reasons is not None:
            response["CancellationReasons"] = [{"Code": r} for r in reasons]
        return ClientError(response, "TransactWriteItems")

    assert aws.transient(answer("ThrottlingException"))
    assert aws.transient(answer("TransactionCanceledException", ["None", "TransactionConflict"]))
    assert not aws.transient(answer("TransactionCanceledException", ["ConditionalCheckFailed", "None"]))
    assert not aws.transient(
        answer("TransactionCanceledException", ["ConditionalCheckFailed", "ThrottlingError"])
    )
    assert not aws.transient(answer("ValidationException"))
    assert not aws.transient(RuntimeError("a bug"))
    try:  # a bug raised while handling a throttle is still a bug
        try:
            raise answer("ThrottlingException")
        except ClientError:
            raise KeyError("oops") from None
    except KeyError as error:
        assert not aws.transient(error)


# --- the notice worker ---------------------------------------------------------------------------


def test_a_throttled_claim_leaves_the_notice_queued_and_the_redelivery_sends_it(issuer, badge_class):
    a = award(issuer, badge_class).json
    with inject(Fault("UpdateItem")):
        assert work_queue() == ["Busy", "ok"]
    assert notice(issuer, a["id"]) == ("sent", None)
    assert mails_per_recipient() == {"ada@example.org": 1}


@pytest.mark.parametrize(
    "fault",
    [
        Fault("GetItem", when=lambda p: "BADGE#" in repr(p["Key"])),  # after the claim, before SES
        Fault("GetItem", error=RuntimeError("worker bug"), when=lambda p: "ISSUER#" in repr(p["Key"])),
        Fault("SendTemplatedEmail", service="ses", code="Throttling"),  # SES said "not now"
    ],
    ids=["store-throttled", "soft-crash", "ses-throttled"],
)
def test_a_failure_before_ses_took_the_mail_hands_the_notice_back(issuer, badge_class, fault):
    a = award(issuer, badge_class).json
    with inject(fault):
        outcomes = work_queue()
    assert len(outcomes) == 2 and outcomes[-1] == "ok" and fault.hits == 1, outcomes
    assert notice(issuer, a["id"]) == ("sent", None)
    assert mails_per_recipient() == {"ada@example.org": 1}


def test_ses_rejecting_the_mail_shows_it_failed_without_retrying(issuer, badge_class):
    a = award(issuer, badge_class).json
    with inject(Fault("SendTemplatedEmail", service="ses", code="MessageRejected", times=9)):
        assert work_queue() == ["ok"]
    state, error = notice(issuer, a["id"])
    assert state == "failed" and "MessageRejected" in error
    assert mails_per_recipient() == {}


@pytest.mark.parametrize(
    ("fault", "mailed"),
    [
        (Fault("SendTemplatedEmail", service="ses", error=Crash()), 0),  # killed before SES
        (Fault("SendTemplatedEmail", service="ses", error=Crash(), after=True), 1),  # killed after SES
        (Fault("UpdateItem", when=is_sent_update), 1),  # the mail went, recording it did not
    ],
    ids=["killed-before-ses", "killed-after-ses", "sent-not-recorded"],
)
def test_a_notice_interrupted_mid_way_is_marked_unconfirmed_never_mailed_twice(
    issuer, badge_class, fault, mailed
):
    a = award(issuer, badge_class).json
    with inject(fault):
        outcomes = work_queue()
    assert len(outcomes) == 2 and outcomes[-1] == "ok", outcomes
    assert notice(issuer, a["id"]) == ("failed", UNCONFIRMED)  # visible, and resendable
    assert mails_per_recipient() == ({"ada@example.org": 1} if mailed else {})
    assert issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/resend").status_code == 200
    assert work_queue() == ["ok"]
    assert mails_per_recipient() == {"ada@example.org": mailed + 1}


def test_a_notice_delivered_twice_is_sent_once(issuer, badge_class):
    from chalicelib.store.aws import client

    a = award(issuer, badge_class).json
    body = json.dumps({"kind": "notice", "assertion_id": a["id"]})
    client("sqs").send_message(QueueUrl=queue_url(), MessageBody=body)
    assert work_queue() == ["ok", "ok"]
    assert notice(issuer, a["id"]) == ("sent", None)
    assert mails_per_recipient() == {"ada@example.org": 1}


def test_a_duplicate_delivery_while_the_first_is_sending_is_harmless(issuer, badge_class):
    from tests.support.inprocess import deliver

    a = award(issuer, badge_class).json
    body = json.dumps({"kind": "notice", "assertion_id": a["id"]})
    # the copy arrives while the first delivery is at SES: it cannot know, so marks it unconfirmed
    with inject(Fault("SendTemplatedEmail", service="ses", run=lambda: deliver(body))):
        assert work_queue() == ["ok"]
    assert notice(issuer, a["id"]) == ("sent", None)  # then the first records the truth
    assert mails_per_recipient() == {"ada@example.org": 1}


# --- dead letters --------------------------------------------------------------------------------


def test_a_notice_failing_five_times_is_dead_lettered_and_a_replay_sends_it_once(issuer, badge_class):
    from chalicelib.config import get_settings
    from chalicelib.store.aws import client
    from local import deadletters

    a = award(issuer, badge_class).json
    with inject(Fault("UpdateItem", times=99)):
        assert work_queue() == ["Busy"] * 5
    assert (waiting(), waiting(dead_letters=True)) == (0, 1)
    assert notice(issuer, a["id"]) == ("queued", None)  # on its way: in the dead-letter queue
    sqs, queue = client("sqs"), get_settings().mail_queue
    [listed] = deadletters.listing(sqs, queue)
    assert (listed["kind"], listed["assertion_id"]) == ("notice", a["id"])
    assert deadletters.replay(sqs, queue) == 1
    assert (waiting(), waiting(dead_letters=True)) == (1, 0)
    assert work_queue() == ["ok"]
    assert notice(issuer, a["id"]) == ("sent", None)
    assert mails_per_recipient() == {"ada@example.org": 1}
    assert deadletters.replay(sqs, queue) == 0


def test_the_replay_limit_and_the_command_line(aws, capsys, monkeypatch):
    from chalicelib.config import get_settings
    from chalicelib.store.aws import client
    from local import deadletters

    sqs, queue = client("sqs"), get_settings().mail_queue
    for n in range(3):
        sqs.send_message(QueueUrl=queue_url(dead_letters=True), MessageBody=json.dumps({"kind": "x", "n": n}))
    assert deadletters.replay(sqs, queue, limit=2) == 2
    assert (waiting(), waiting(dead_letters=True)) == (2, 1)
    monkeypatch.setattr("boto3.session.Session.client", lambda self, name: client(name))
    assert deadletters.main(["list"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "x"
    assert deadletters.main(["replay"]) == 0
    assert (waiting(), waiting(dead_letters=True)) == (3, 0)
