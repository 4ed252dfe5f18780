"""AWS calls per request path, counted exactly, against in-process moto.

Every botocore client (our boto3 clients and PynamoDB's own) goes through
`botocore.client.BaseClient._make_api_call`, so wrapping it counts every call the app makes, per
(service, operation). Calls made by this harness itself (setup, the SQS receive/delete that Lambda's
trigger does for us) are made with counting paused.

Each path is measured warm (after one call of the same kind), as a warm Lambda serves it: the
one-time lookups (the queue URL, cached for the process) are not charged to every request.
"""

from __future__ import annotations

import base64
import io
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Fixed before any chalicelib import: the models read settings at import time.
for _name, _value in {
    "STAGE": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "PUBLIC_BASE_URL": "https://badges.example",
    "POWERTOOLS_LOG_LEVEL": "WARNING",  # the worker's per-message info lines would flood the output
}.items():
    os.environ.setdefault(_name, _value)
os.environ.pop("AWS_ENDPOINT_URL", None)

SERVICES = ("dynamodb", "sqs", "ses", "s3", "kms")
BULK_ROWS = 10_000


class CallCounter:
    """Counts (service, operation) of every botocore API call while active and not paused."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self.paused = False

    def install(self) -> None:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        counter = self

        def counted(client, operation_name, api_params):
            if not counter.paused:
                service = client.meta.service_model.endpoint_prefix
                counter.calls[(service, operation_name)] += 1
            return original(client, operation_name, api_params)

        BaseClient._make_api_call = counted

    @contextmanager
    def measure(self):
        """Yields a Counter filled with the calls made inside the block."""
        before = self.calls.copy()
        result: Counter = Counter()
        try:
            yield result
        finally:
            result.update(self.calls - before)

    @contextmanager
    def pause(self):
        """No counting inside the block (nestable)."""
        was, self.paused = self.paused, True
        try:
            yield
        finally:
            self.paused = was


def speed_up_moto_transactions() -> None:
    """Make moto's TransactWriteItems cost what the items in it cost, not what the tables hold.

    moto 5.x deep-copies the whole table once per item of every transaction (to roll back on
    failure), which makes a 10,000-row bulk award quadratic: hours instead of a minute. This keeps
    the all-or-nothing behaviour by snapshotting only the items the transaction touches. It changes
    no API call and no result, only the emulator's own cost.
    """
    import copy

    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models.table import Table

    if getattr(dynamodb_models.DynamoDBBackend.transact_write_items, "_bench", False):
        return

    class _NoTableCopy:
        @staticmethod
        def deepcopy(value, memo=None):
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    dynamodb_models.copy = _NoTableCopy  # the module's `copy.deepcopy` of tables becomes a no-op
    original = dynamodb_models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        snapshots = [found for entry in transact_items if (found := _snapshot(self, entry)) is not None]
        try:
            return original(self, transact_items)
        except Exception:
            _restore(self, snapshots)
            raise

    transact_write_items._bench = True
    dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items


def _snapshot(backend, entry: dict) -> tuple | None:
    """(table name, key, attributes or None) of the item one transaction entry touches, before it runs."""
    import copy

    _op_type, op = next(iter(entry.items()))
    table_name = op.get("TableName")
    if table_name not in backend.tables:
        return None
    table = backend.tables[table_name]
    if "Item" in op:
        key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = op["Item"][table.range_key_attr]
    else:
        key = op.get("Key")
    if key is None:
        return None
    try:
        current = backend.get_item(table_name, key)
    except Exception:  # a malformed key: moto reports it from the original call
        return None
    return table_name, key, copy.deepcopy(current.to_json()["Attributes"]) if current is not None else None


def _restore(backend, snapshots: list[tuple]) -> None:
    """Put back every item a failed transaction touched, last first."""
    for table_name, key, attrs in reversed(snapshots):
        if attrs is None:
            if backend.get_item(table_name, key) is not None:
                backend.tables[table_name].delete_item(
                    *backend.get_keys_value(backend.tables[table_name], key)
                )
        else:
            backend.tables[table_name].put_item(attrs)


def _sqs_record_message_id() -> None:
    """Workaround: chalicelib/routes/workers.py logs `record.message_id`, which Chalice's SQSRecord
    does not have (it has body and receipt_handle; the id is in to_dict()["messageId"]). Inert once
    either side provides it."""
    from chalice.app import SQSRecord

    if not hasattr(SQSRecord, "message_id"):
        SQSRecord.message_id = property(lambda record: record.to_dict().get("messageId"))


def per_service(calls: Counter) -> dict[str, int]:
    """{service: count} for the five services (email is SES's endpoint prefix)."""
    totals = Counter()
    for (service, _operation), n in calls.items():
        totals["ses" if service == "email" else service] += n
    return {s: totals.get(s, 0) for s in SERVICES}


def operations(calls: Counter) -> str:
    return ", ".join(f"{op} {n}" for (_s, op), n in sorted(calls.items(), key=lambda kv: (-kv[1], kv[0])))


def png_data_uri(size: int = 64) -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), "teal").save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


class Harness:
    """The Chalice test client on in-process moto, one issuer with a key and one badge class."""

    def __init__(self, counter: CallCounter, client) -> None:
        from chalicelib.services.issuing import issuers
        from chalicelib.store import current

        self.counter, self.client = counter, client
        with counter.pause():
            item, self.key = issuers.create_issuer(
                name="Bench Issuer",
                url="https://bench.example",
                email="badges@bench.example",
                store=current(),
            )
            self.issuer_id = item.id
            self.badge_id = self.new_badge_class("Bench Badge")

    def new_badge_class(self, name: str) -> str:
        """A badge class of this issuer, made through the API; returns its id."""
        response = self.call(
            "POST",
            "/api/v1/badgeclasses",
            {
                "name": name,
                "description": "Measured, not asserted.",
                "image": png_data_uri(),
                "criteria_narrative": "Run the bench.",
                "tags": ["bench"],
                "expires_after": {"amount": 2, "unit": "years"},
            },
        )
        assert response.status_code == 201, response.body
        return json.loads(response.body)["id"]

    def call(self, method: str, path: str, body=None, *, headers=None, raw: str | None = None):
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.key}",
            **(headers or {}),
        }
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return getattr(self.client.http, method.lower())(path, headers=headers, body=payload)

    def get(self, path: str, accept: str):
        return self.client.http.get(path, headers={"Accept": accept})

    def drain_queue(self) -> int:
        """Run the mail worker on every queued message, like Lambda's SQS trigger; returns how many.

        Only the worker's calls are counted: the receive/delete is the trigger's, not ours.
        """
        from app import mail_worker
        from chalicelib.config import get_settings
        from chalicelib.store.aws import client
        from local.pump import sqs_event

        sqs = client("sqs")
        with self.counter.pause():
            url = sqs.get_queue_url(QueueName=get_settings().mail_queue)["QueueUrl"]
        handled = 0
        while True:
            with self.counter.pause():
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return handled
            for message in messages:
                mail_worker(sqs_event(message, "arn:aws:sqs:us-east-1:123456789012:laurel-mail"), None)
                with self.counter.pause():
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                handled += 1

    def award(self, email: str) -> str:
        response = self.call(
            "POST", f"/api/v1/badgeclasses/{self.badge_id}/assertions", {"recipient_email": email}
        )
        assert response.status_code == 201, response.body
        return json.loads(response.body)["id"]


def sent_count() -> int:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_message_count


def calls_row(name: str, calls: Counter, **extra) -> dict:
    """A table row: calls per service and by operation (and the Counter itself, to add rows up)."""
    return {"path": name, **per_service(calls), "operations": operations(calls), "calls": calls, **extra}


def hosted_paths(h: Harness) -> list[dict]:
    """Single award + notice, hosted GETs (JSON-LD and HTML), public badge page, baked PNG."""
    rows = []
    h.award("warmup@bench.example")  # first use of the queue looks its URL up once per process
    h.drain_queue()

    with h.counter.measure() as calls:
        assertion_id = h.award("single@bench.example")
    rows.append(calls_row("single award: request", calls))
    sent_before = sent_count()
    with h.counter.measure() as calls:
        handled = h.drain_queue()
    assert handled == 1, handled
    rows.append(
        calls_row("single award: worker (notice)", calls, note=f"{sent_count() - sent_before} mail sent")
    )

    path = f"/public/assertions/{assertion_id}"
    for label, accept in (
        ("hosted assertion GET (ld+json)", "application/ld+json"),
        ("hosted assertion page (html)", "text/html"),
    ):
        with h.counter.measure() as calls:
            response = h.get(path, accept)
        assert response.status_code == 200, response.body
        rows.append(calls_row(label, calls))

    for label, accept in (
        ("public badge GET (ld+json)", "application/ld+json"),
        ("public badge page (html)", "text/html"),
    ):
        with h.counter.measure() as calls:
            response = h.get(f"/public/badges/{h.badge_id}", accept)
        assert response.status_code == 200, response.body
        rows.append(calls_row(label, calls))

    for label in ("baked PNG GET, first (bakes, stores)", "baked PNG GET, second (S3 hit)"):
        with h.counter.measure() as calls:
            response = h.get(f"{path}/baked.png", "image/png")
        assert response.status_code == 200, response.body
        rows.append(calls_row(label, calls))
    return rows


def bulk_path(h: Harness, rows_wanted: int = BULK_ROWS) -> tuple[list[dict], dict]:
    """A JSON bulk award of `rows_wanted` distinct emails, then the worker on every queued message."""
    body = {"assertions": [{"recipient_email": f"earner{i:05d}@bench.example"} for i in range(rows_wanted)]}
    raw = json.dumps(body)
    sent_before = sent_count()
    started = time.perf_counter()
    with h.counter.measure() as request_calls:
        response = h.call("POST", f"/api/v1/badgeclasses/{h.badge_id}/assertions/bulk", raw=raw)
    request_s = time.perf_counter() - started
    assert response.status_code == 202, response.body[:2000]
    job = json.loads(response.body)
    started = time.perf_counter()
    with h.counter.measure() as worker_calls:
        messages = h.drain_queue()
    worker_s = time.perf_counter() - started
    total_s = request_s + worker_s

    with h.counter.pause():
        from chalicelib.store.dynamo.models import AssertionItem

        report = json.loads(h.call("GET", f"/api/v1/jobs/{job['id']}?limit=1").body)
        notices = Counter(a.notice for a in AssertionItem.by_job.query(job["id"]))
    sent = sent_count() - sent_before
    facts = {
        "rows": rows_wanted,
        "messages": messages,
        "request_s": request_s,
        "worker_s": worker_s,
        "total_s": total_s,
        "awards_per_s": report.get("done", 0) / total_s,
        "job": {k: report.get(k) for k in ("status", "total", "done", "failed")},
        "mails_sent": sent,
        "notices": dict(notices),
    }
    total = request_calls + worker_calls
    rows = [
        calls_row(f"bulk {rows_wanted:,}: request", request_calls),
        calls_row(f"bulk {rows_wanted:,}: worker ({messages} messages)", worker_calls),
        calls_row(f"bulk {rows_wanted:,}: total", total, note=f"{sent:,} mails sent"),
    ]
    return rows, facts


_COUNTER: list[CallCounter] = []  # the one counter installed in botocore, made on first use


def shared_counter() -> CallCounter:
    """The process's CallCounter, installed once (a second install would wrap botocore twice)."""
    if not _COUNTER:
        _COUNTER.append(CallCounter())
        _COUNTER[0].install()
    return _COUNTER[0]


@contextmanager
def moto_world() -> Iterator[Harness]:
    """A fresh in-process moto world (resources from local.bootstrap) and a Harness on Chalice's client."""
    from chalice.test import Client
    from moto import mock_aws

    counter = shared_counter()
    speed_up_moto_transactions()
    _sqs_record_message_id()
    with mock_aws():
        from chalicelib.store import aws as aws_clients
        from chalicelib.store.dynamo.models import reset_connections
        from local.bootstrap import bootstrap

        aws_clients.reset()
        reset_connections()
        with counter.pause():
            bootstrap(None)
        from app import app

        try:
            with Client(app) as client:
                yield Harness(counter, client)
        finally:
            aws_clients.reset()
            reset_connections()


def run(bulk_rows: int = BULK_ROWS) -> dict:
    """Every path, in one moto world. Returns {"rows": [...], "bulk": {...}}."""
    with moto_world() as harness:
        rows = hosted_paths(harness)
        bulk_rows_out, bulk = bulk_path(harness, bulk_rows)
    return {"rows": rows + bulk_rows_out, "bulk": bulk}


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else BULK_ROWS
    out = run(n)
    for row in out["rows"]:
        print(row)
    print(out["bulk"])
