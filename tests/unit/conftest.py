"""Unit tests: in-process moto, the Chalice test client, one issuer with a key."""

from __future__ import annotations

import base64
import io
import json
from types import SimpleNamespace

import pytest
from moto import mock_aws


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


_LOADERS: dict = {}


@pytest.fixture(autouse=True)
def shared_botocore_loader(monkeypatch):
    """Every botocore session shares one data loader, so the clients each test creates afresh skip
    re-reading the service models (about a second a test). The loaded models are only read."""
    import botocore.session
    from botocore.loaders import create_loader

    def shared(path=None):
        if path not in _LOADERS:
            _LOADERS[path] = create_loader(path)
        return _LOADERS[path]

    monkeypatch.setattr(botocore.session, "create_loader", shared)


@pytest.fixture
def aws():
    from chalicelib.store import aws as aws_clients
    from chalicelib.store.models import reset_connections
    from local.bootstrap import bootstrap

    with mock_aws():
        aws_clients.reset()
        reset_connections()
        bootstrap(None)
        yield
    aws_clients.reset()
    reset_connections()


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


@pytest.fixture
def client(aws):
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def issuer(client):
    from chalicelib.services.issuing import issuers

    item, key = issuers.create_issuer(
        name="Open Skills Consortium", url="https://skills.example", email="badges@skills.example"
    )
    return SimpleNamespace(id=item.id, key=key, api=Api(client, key))


@pytest.fixture
def badge_class(issuer):
    response = issuer.api.call(
        "POST",
        "/api/v1/badgeclasses",
        {
            "name": "Data Literacy",
            "description": "Reads and questions data.",
            "image": data_uri(png_bytes()),
            "criteria_narrative": "Pass the **data** assessment.",
            "tags": ["data", "statistics"],
            "alignment": [{"targetName": "ESCO data skills", "targetUrl": "https://esco.example/skill/1"}],
            "expires_after": {"amount": 2, "unit": "years"},
        },
    )
    assert response.status_code == 201, response.body
    return response.json


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


@pytest.fixture
def no_500(monkeypatch):
    """Fail the test at once if any Api.call answers 500."""
    original = Api.call

    def checked(self, *args, **kwargs):
        response = original(self, *args, **kwargs)
        assert response.status_code != 500, (args, response.status_code, response.body)
        return response

    monkeypatch.setattr(Api, "call", checked)


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


@pytest.fixture
def mails(monkeypatch) -> list[dict]:
    """Every SendEmail message, with both parts (moto keeps only one body)."""
    from chalicelib.store import mail

    sent: list[dict] = []
    original = mail.send_email

    def capture(to, subject, html, text):
        sent.append({"to": to, "subject": subject, "html": html, "text": text})
        return original(to, subject, html, text)

    monkeypatch.setattr(mail, "send_email", capture)
    return sent
