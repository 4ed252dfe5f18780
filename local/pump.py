"""Local stand-in for Lambda's SQS trigger: long-polls the mail queue and calls `app.mail_worker`."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("pump")  # not under "laurel": Chalice gives that logger its own handler


class Pump:
    """Receives one message at a time, hands it to the handler as a Lambda SQS event, deletes on success."""

    def __init__(self, sqs: Any, queue_url: str, handler: Any, retry_seconds: int | None = None):
        self.sqs = sqs
        self.queue_url = queue_url
        self.handler = handler
        self.retry_seconds = retry_seconds
        self.stopping = False
        attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
        self.queue_arn = attrs["QueueArn"]

    def run(self) -> None:
        """Pump until stop() is called (checked at least once a second)."""
        while not self.stopping:
            self.poll_once()

    def stop(self, *_: object) -> None:
        self.stopping = True

    def poll_once(self) -> int:
        """Receive at most one message and deliver it; returns how many were received."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=1,
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        for message in messages:
            self.deliver(message)
        return len(messages)

    def deliver(self, message: dict) -> bool:
        """Call the handler; delete the message if it succeeded, else leave it for redelivery."""
        started = time.monotonic()
        count = message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
        try:
            result = self.handler(self.event(message), lambda_context())
        except Exception:
            log.exception("message %s (receive %s) failed; left on the queue", message["MessageId"], count)
            self.retry_later(message)
            return False
        if _reported_failure(result, message["MessageId"]):
            log.warning("message %s (receive %s) reported as failed", message["MessageId"], count)
            self.retry_later(message)
            return False
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        ms = (time.monotonic() - started) * 1000
        log.info("message %s (receive %s) handled in %.0f ms", message["MessageId"], count, ms)
        return True

    def retry_later(self, message: dict) -> None:
        """Shorten the visibility timeout of a failed message when PUMP_RETRY_SECONDS asks for it."""
        if self.retry_seconds is not None:
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=self.retry_seconds,
            )

    def event(self, message: dict) -> dict:
        return sqs_event(message, self.queue_arn)


def sqs_event(message: dict, queue_arn: str) -> dict:
    """The event Lambda's SQS trigger would pass for this one received message."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": _message_attributes(message.get("MessageAttributes", {})),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": queue_arn.split(":")[3],
            }
        ]
    }


def _message_attributes(attributes: dict) -> dict:
    """SQS API message attributes in the shape Lambda's event uses (camelCase keys)."""
    return {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value.get("DataType"),
        }
        for name, value in attributes.items()
    }


def _reported_failure(result: Any, message_id: str) -> bool:
    """True when the handler returned a partial batch response naming this message."""
    failures = result.get("batchItemFailures", []) if isinstance(result, dict) else []
    return any(item.get("itemIdentifier") == message_id for item in failures)


def lambda_context() -> SimpleNamespace:
    """A stand-in for the Lambda context object (the attributes loggers and tracers read)."""
    deadline = time.monotonic() + 60

    return SimpleNamespace(
        function_name="laurel-local-mail_worker",
        function_version="$LATEST",
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:laurel-local-mail_worker",
        memory_limit_in_mb=1024,
        aws_request_id=str(uuid.uuid4()),
        log_group_name="/aws/lambda/laurel-local-mail_worker",
        log_stream_name="local",
        get_remaining_time_in_millis=lambda: max(0, int((deadline - time.monotonic()) * 1000)),
    )


def queue_url(sqs: Any, name: str, timeout: float = 30) -> str:
    """The queue's URL, waiting for bootstrap to have created it."""
    started = time.monotonic()
    while True:
        try:
            return sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except Exception:
            if time.monotonic() - started > timeout:
                raise
            time.sleep(0.5)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="[pump] %(levelname)s %(message)s")
    for noisy in ("botocore", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    import boto3

    import app  # the Chalice app; reads settings from the environment at import
    from chalicelib.config import get_settings

    sqs = boto3.session.Session().client("sqs")
    retry = os.environ.get("PUMP_RETRY_SECONDS")
    url = queue_url(sqs, get_settings().mail_queue)
    pump = Pump(sqs, url, app.mail_worker, int(retry) if retry else None)
    signal.signal(signal.SIGTERM, pump.stop)
    signal.signal(signal.SIGINT, pump.stop)
    log.info("pumping %s into app.mail_worker", pump.queue_url)
    pump.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
