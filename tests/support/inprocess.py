"""The app in-process, for unit tests: its JSON API through Chalice's test client, the mail queue run
by hand, what is stored and what was sent (moto), problem+json answers, and small badge images."""

from __future__ import annotations

import base64
import io
import json


def png_bytes(size: int = 64, color: str = "teal") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), color).save(out, "PNG")
    return out.getvalue()


def data_uri(data: bytes, kind: str = "image/png") -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
    '<circle cx="32" cy="32" r="30" fill="#1f6f5c"/></svg>'
)


class Api:
    """JSON calls through Chalice's in-process test client."""

    def __init__(self, client, key: str | None):
        self.client, self.key = client, key

    def call(self, method: str, path: str, body=None, *, headers=None, raw: bytes | str | None = None):
        headers = {"Content-Type": "application/json", **(headers or {})}
        if self.key:
            headers.setdefault("Authorization", f"Bearer {self.key}")
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client.http, method.lower())(path, headers=headers, body=payload)
        try:
            response.json = json.loads(response.body) if response.body else None
        except ValueError:
            response.json = None
        return response


def drain_queue() -> int:
    """Run the mail worker on every queued message, like Lambda's SQS trigger; returns how many."""
    from app import mail_worker
    from chalicelib.config import get_settings
    from chalicelib.store.aws import client
    from local.pump import sqs_event

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().mail_queue)["QueueUrl"]
    handled = 0
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return handled
        for message in messages:
            event = sqs_event(message, "arn:aws:sqs:us-east-1:123456789012:laurel-mail")
            mail_worker(event, None)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            handled += 1


def sent_mail() -> list:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages


def store_snapshot() -> dict:
    """What is stored: item count per table, objects in the bucket, queued messages, mails sent."""
    from chalicelib.config import get_settings
    from chalicelib.store.aws import client

    settings = get_settings()
    dynamodb, sqs = client("dynamodb"), client("sqs")
    url = sqs.get_queue_url(QueueName=settings.mail_queue)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    objects = client("s3").list_objects_v2(Bucket=settings.bucket).get("Contents", [])
    return {
        "assertions": dynamodb.scan(TableName=settings.assertions_table, Select="COUNT")["Count"],
        "badges": dynamodb.scan(TableName=settings.badges_table, Select="COUNT")["Count"],
        "objects": sorted(o["Key"] for o in objects),
        "queued": int(attributes["ApproximateNumberOfMessages"])
        + int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        "mails": len(sent_mail()),
    }


def assert_problem(response, status: int, detail: str | None = None, fields: list[str] | None = None) -> dict:
    """The response is problem+json with this status, a detail containing `detail`, and these error fields."""
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "application/problem+json", response.headers
    body = response.json
    assert body["status"] == status and body["title"] and body["detail"], body
    if detail is not None:
        assert detail in body["detail"], body["detail"]
    if fields is not None:
        assert [e["field"] for e in body.get("errors", [])] == fields, body.get("errors")
    return body


def deliver(body: str) -> None:
    """Hand one SQS message body to the mail worker, as Lambda's trigger would."""
    from app import mail_worker

    record = {"body": body, "receiptHandle": "r", "messageId": "m", "attributes": {}, "messageAttributes": {}}
    mail_worker(
        {"Records": [{**record, "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:::q"}]}, None
    )


def take_messages() -> list[str]:
    """Every queued message body, removed from the queue."""
    from chalicelib.config import get_settings
    from chalicelib.store.aws import client

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().mail_queue)["QueueUrl"]
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies
