"""Fault injection for unit tests: AWS calls that fail as if botocore's own retries had run out.

Every boto3 and PynamoDB call goes through ``botocore.client.BaseClient._make_api_call``, above
botocore's retry handler; a fault raised there is the error the code finally sees, with no backoff
sleeps, so tests stay fast::

    with inject(Fault("TransactWriteItems", times=2)) as faults:
        ...                       # the first two transactions fail with a throttling error
    assert faults[0].hits == 2

A fault matches by service, operation and an optional predicate on the call's parameters, fires on
the first `times` matching calls, and either raises a ClientError with `code` (before the call: AWS
did nothing), raises `error` (a crash), answers with `respond(call, params)`, or runs `run()` and
carries on. With ``after=True`` the real call happens first, then the fault fires: the write was
made and its answer lost.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from unittest import mock

from botocore.client import BaseClient
from botocore.exceptions import ClientError

THROTTLED = "ProvisionedThroughputExceededException"


class Crash(BaseException):
    """The worker dies (Lambda timeout, out of memory): no `except Exception` cleanup runs."""


@dataclass
class Fault:
    operation: str  # e.g. "TransactWriteItems", "SendBulkTemplatedEmail"; "*" for any
    code: str = THROTTLED
    times: int = 1
    service: str = "dynamodb"
    when: Callable[[dict], bool] | None = None
    after: bool = False
    error: BaseException | None = None
    respond: Callable[[Callable[[dict], dict], dict], dict] | None = None
    run: Callable[[], None] | None = None
    reasons: str | None = None  # with code TransactionCanceledException: the reason of the first item
    hits: int = 0

    def matches(self, service: str, operation: str, params: dict) -> bool:
        return (
            self.hits < self.times
            and self.service == service
            and self.operation in ("*", operation)
            and (self.when is None or self.when(params))
        )

    def exception(self, operation: str, params: dict) -> BaseException:
        if self.error is not None:
            return self.error
        response = {"Error": {"Code": self.code, "Message": "injected fault"}}
        if self.reasons:  # one reason per transaction item, as DynamoDB answers
            count = len(params.get("TransactItems", [])) or 1
            response["CancellationReasons"] = [{"Code": self.reasons}] + [{"Code": "None"}] * (count - 1)
        response["ResponseMetadata"] = {"HTTPStatusCode": 400}
        return ClientError(response, operation)


@contextlib.contextmanager
def inject(*faults: Fault) -> Iterator[list[Fault]]:
    """Patch every botocore client so the given faults fire on their matching calls."""
    active = list(faults)
    original = BaseClient._make_api_call

    def call(client: BaseClient, operation: str, params: dict) -> dict:
        service = client.meta.service_model.service_name
        fault = next((f for f in active if f.matches(service, operation, params)), None)
        if fault is None:
            return original(client, operation, params)
        fault.hits += 1
        return _fire(fault, lambda p: original(client, operation, p), operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", call):
        yield active


def _fire(fault: Fault, real: Callable[[dict], dict], operation: str, params: dict) -> dict:
    if fault.run is not None:
        fault.run()
        return real(params)
    if fault.respond is not None:
        return fault.respond(real, params)
    if fault.after:
        real(params)
    raise fault.exception(operation, params)


def transaction_touching(text: str) -> Callable[[dict], bool]:
    """A `when` predicate: a TransactWriteItems with an item whose update or key mentions `text`."""
    return lambda params: any(text in repr(item) for item in params.get("TransactItems", []))


def ses_rejects(addresses: set[str], error: str = "MessageRejected") -> Callable:
    """A `respond` for SendBulkTemplatedEmail: these addresses fail with `error`, the others are sent."""

    def respond(real: Callable[[dict], dict], params: dict) -> dict:
        keep = [d for d in params["Destinations"] if d["Destination"]["ToAddresses"][0] not in addresses]
        sent = iter(real({**params, "Destinations": keep})["Status"] if keep else [])
        status = []
        for destination in params["Destinations"]:
            if destination["Destination"]["ToAddresses"][0] in addresses:
                status.append({"Status": error, "Error": f"{error}: injected for this address"})
            else:
                status.append(next(sent))
        return {"Status": status}

    return respond


def queue_url(dead_letters: bool = False) -> str:
    from chalicelib.config import get_settings
    from chalicelib.store.aws import client

    name = get_settings().mail_queue + ("-dlq" if dead_letters else "")
    return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def work_queue(max_deliveries: int = 100) -> list[str]:
    """Play Lambda's SQS trigger until the mail queue is empty; returns each delivery's outcome.

    A delivery that returns deletes its message ("ok"); one that raises (even a Crash) leaves it to
    come straight back (visibility 0) and is recorded by the error's name. The queue's redrive
    policy dead-letters a message on the receive after its fifth.
    """
    from app import mail_worker
    from chalicelib.store.aws import client
    from local.pump import sqs_event

    sqs, url, outcomes = client("sqs"), queue_url(), []
    while len(outcomes) < max_deliveries:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"])
        if not messages.get("Messages"):
            return outcomes
        message = messages["Messages"][0]
        try:
            mail_worker(sqs_event(message, "arn:aws:sqs:us-east-1:123456789012:laurel-mail"), None)
        except (Exception, Crash) as error:
            outcomes.append(type(error).__name__)
            sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
            continue
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        outcomes.append("ok")
    raise AssertionError(f"the queue never emptied: {outcomes[-10:]}")


def waiting(dead_letters: bool = False) -> int:
    """Messages in the mail queue (or its dead-letter queue), visible or in flight."""
    from chalicelib.store.aws import client

    attributes = client("sqs").get_queue_attributes(QueueUrl=queue_url(dead_letters), AttributeNames=["All"])[
        "Attributes"
    ]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def mails_per_recipient() -> dict[str, int]:
    """How many mails each address got, across single and bulk SES calls."""
    from collections import Counter

    from tests.support.inprocess import sent_mail

    count: Counter = Counter()
    for mail in sent_mail():
        if isinstance(mail.destinations, list):  # one bulk call: a destination per recipient
            count.update(a for d in mail.destinations for a in d["Destination"]["ToAddresses"])
        else:
            count.update(mail.destinations["ToAddresses"])
    return dict(count)
