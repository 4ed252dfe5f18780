"""The local stack: it comes up, the issuer CLI works, the outbox renders sent mail, the pump delivers."""

from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
import requests

from local import serve, state
from local.pump import Pump
from tests.support.live import ROOT, run_issuer_cli

NOTICE = {
    "issuer_name": "Ada & Co",
    "issuer_url": "https://ada.example",
    "badge_name": "Rust <Basics>",
    "badge_description": "Knows ownership & borrowing.",
    "badge_image": "https://img.example/badge.png",
    "claim_url": "http://127.0.0.1:8000/claim/tok?a=1&b=2",
    "greeting": "Hi Bob,",
    "validity": "",
}


@pytest.fixture(scope="module")
def aws(live):
    """boto3 clients for the live moto server."""
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return lambda service: session.client(service, endpoint_url=live.moto_url)


def test_outbox_answers(live):
    page = requests.get(f"{live.base_url}/outbox", timeout=10)
    assert page.status_code == 200
    assert "text/html" in page.headers["Content-Type"]
    assert "<h1>Outbox</h1>" in page.text
    assert isinstance(live.outbox(), list)
    assert requests.get(f"{live.base_url}/outbox/999", timeout=10).status_code == 404


def test_issuer_cli_creates_an_issuer_with_a_key(issuer):
    assert issuer.id
    assert issuer.key.startswith("lrl_")


def test_issuer_cli_prints_one_json_object(live):
    args = ["create", "--name", "Solo", "--url", "https://solo.example", "--email", "s@solo.example"]
    proc = run_issuer_cli(live, *args)
    assert proc.returncode == 0, proc.stderr
    assert set(json.loads(proc.stdout)) == {"issuer_id", "api_key"}


def test_issuer_cli_manages_keys(live, issuer):
    listed = json.loads(run_issuer_cli(live, "keys", "list", "--issuer", issuer.id).stdout)
    assert [key["prefix"] for key in listed] == [issuer.key[:10]]
    created = json.loads(run_issuer_cli(live, "keys", "create", "--issuer", issuer.id).stdout)
    assert created["api_key"].startswith("lrl_")
    new_key = {"Authorization": f"Bearer {created['api_key']}"}
    assert requests.get(f"{live.base_url}/api/v1/issuer", headers=new_key, timeout=10).status_code == 200
    proc = run_issuer_cli(live, "keys", "revoke", "--issuer", issuer.id, "--key", created["id"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["revoked_at"]
    refused = requests.get(f"{live.base_url}/api/v1/issuer", headers=new_key, timeout=10)
    assert refused.status_code == 401 and refused.json()["detail"] == "This API key has been revoked."
    listed = json.loads(run_issuer_cli(live, "keys", "list", "--issuer", issuer.id).stdout)
    assert sorted(bool(key["revoked_at"]) for key in listed) == [False, True]


def test_issuer_cli_reports_an_unknown_issuer(live):
    proc = run_issuer_cli(live, "keys", "list", "--issuer", "nope")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "nope" in proc.stderr


def test_issuer_cli_refuses_a_line_break_in_a_name(live):
    args = [
        "create",
        "--name",
        "Evil\r\nBcc: eve@example.org",
        "--url",
        "https://e.example",
        "--email",
        "e@e.example",
    ]
    proc = run_issuer_cli(live, *args)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr.startswith("error: name must not contain U+000D (a line break")


def test_outbox_renders_a_templated_award_notice(live, aws):
    to = f"{uuid.uuid4().hex}@example.com"
    aws("ses").send_templated_email(
        Source=live.env.get("SENDER_EMAIL", "badges@laurel.example"),
        Destination={"ToAddresses": [to]},
        Template=live.env.get("AWARD_NOTICE_TEMPLATE", "laurel-award-notice"),
        TemplateData=json.dumps(NOTICE),
    )
    mail = live.wait_for_mail(to)
    assert mail["subject"] == "Ada & Co has issued you a badge: Rust <Basics>"
    assert mail["data"]["claim_url"] == NOTICE["claim_url"]
    assert html.escape(NOTICE["claim_url"]) in mail["html"]
    assert 'alt="Rust &lt;Basics&gt; badge"' in mail["html"]
    assert "Hi Bob," in mail["text"] and NOTICE["claim_url"] in mail["text"]
    assert "valid until" not in mail["text"]


def _bulk_destination(to: str, replacement: dict) -> dict:
    return {"Destination": {"ToAddresses": [to]}, "ReplacementTemplateData": json.dumps(replacement)}


def test_outbox_merges_bulk_replacement_data(live, aws):
    first, second = (f"{uuid.uuid4().hex}@example.com" for _ in range(2))
    aws("ses").send_bulk_templated_email(
        Source="badges@laurel.example",
        Template="laurel-award-notice",
        DefaultTemplateData=json.dumps(NOTICE),
        Destinations=[
            {
                "Destination": {"ToAddresses": [first]},
                "ReplacementTemplateData": json.dumps({"validity": "This badge is valid until 1 June."}),
            },
            {
                "Destination": {"ToAddresses": [second]},
                "ReplacementTemplateData": json.dumps({"greeting": "Hi there,"}),
            },
        ],
    )
    assert "valid until 1 June." in live.wait_for_mail(first)["text"]
    assert "Hi there," in live.wait_for_mail(second)["text"]


def test_outbox_page_frames_html_and_links_text(live, aws):
    to = f"{uuid.uuid4().hex}@example.com"
    aws("ses").send_email(
        Source="badges@laurel.example",
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": "Code"},
            "Body": {"Text": {"Data": "Go to http://x.example/a?b=1&c=2 now"}},
        },
    )
    live.wait_for_mail(to)
    page = requests.get(f"{live.base_url}/outbox/1", timeout=10).text
    assert to in page
    assert '<a href="http://x.example/a?b=1&amp;c=2" target="_blank">' in page
    live.outbox()  # the page also works with templated mail in the list
    assert 'sandbox="allow-popups' in requests.get(f"{live.base_url}/outbox", timeout=10).text


def _queue(aws, name: str, dlq_arn: str | None = None) -> str:
    attrs = {"VisibilityTimeout": "60"}
    if dlq_arn:
        attrs["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})
    return aws("sqs").create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]


def test_pump_hands_lambda_shaped_events_and_deletes_on_success(aws):
    sqs = aws("sqs")
    url = _queue(aws, f"pump-ok-{uuid.uuid4().hex[:8]}")
    sqs.send_message(QueueUrl=url, MessageBody='{"kind": "x"}')
    events = []
    pump = Pump(sqs, url, lambda event, context: events.append((event, context)))
    assert pump.poll_once() == 1
    (record,) = events[0][0]["Records"]
    assert record["body"] == '{"kind": "x"}'
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].endswith(url.rsplit("/", 1)[1])
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert events[0][1].aws_request_id
    assert pump.poll_once() == 0


def test_pump_leaves_failures_for_redelivery_then_dead_letter(aws):
    sqs = aws("sqs")
    name = f"pump-fail-{uuid.uuid4().hex[:8]}"
    dlq = _queue(aws, f"{name}-dlq")
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = _queue(aws, name, dlq_arn)
    sqs.send_message(QueueUrl=url, MessageBody="{}")

    def fail(event, context):
        raise RuntimeError("boom")

    pump = Pump(sqs, url, fail, retry_seconds=0)
    assert [pump.poll_once() for _ in range(6)] == [1, 1, 1, 1, 1, 0]
    moved = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", [])
    assert [m["Body"] for m in moved] == ["{}"]


# --- two `make run` stacks side by side, found by PORT, stopped by SIGTERM to their process groups --------


def _without_moto(port: int) -> dict[str, str]:
    """The environment of a shell that sets only PORT, as `make run PORT=…` and `make issuer PORT=…` do."""
    env = {k: v for k, v in os.environ.items() if k not in ("MOTO_PORT", "AWS_ENDPOINT_URL")}
    return {**env, "PORT": str(port)}


def _serve(port: int, log: Path) -> subprocess.Popen:
    """`make run PORT=port`, in its own process group."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "local/serve.py"],
            cwd=ROOT,
            env=_without_moto(port),
            stdout=out,
            stderr=subprocess.STDOUT,
            process_group=0,
        )


def _recorded(port: int, proc: subprocess.Popen, log: Path, timeout: float = 120) -> dict:
    """The stack's state file once its app answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        recorded = state.read(port)
        if recorded and requests.get(f"{recorded['app_url']}/outbox.json", timeout=5).ok:
            return recorded
        time.sleep(0.3)
    raise AssertionError(f"PORT={port} did not come up: {log.read_text(errors='replace')[-3000:]}")


def _issuer_on(port: int) -> str:
    """`make issuer PORT=port`: the CLI finds the stack by its state file; returns the API key."""
    args = ["create", "--name", f"Issuer {port}", "--url", "https://i.example", "--email", "i@i.example"]
    done = subprocess.run(
        [sys.executable, "local/issuer.py", *args],
        cwd=ROOT,
        env=_without_moto(port),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["api_key"]


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_two_stacks_run_side_by_side_and_sigterm_stops_everything(tmp_path):
    ports = [serve.free_port(), serve.free_port()]
    logs = [tmp_path / f"serve-{port}.log" for port in ports]
    procs = [_serve(port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        stacks = [_recorded(*each) for each in zip(ports, procs, logs, strict=True)]
        assert stacks[0]["moto_url"] != stacks[1]["moto_url"]
        keys = [_issuer_on(port) for port in ports]
        for mine, stack in enumerate(stacks):  # each issuer lives on its own stack only
            for which, key in enumerate(keys):
                auth = {"Authorization": f"Bearer {key}"}
                r = requests.get(f"{stack['app_url']}/api/v1/issuer", headers=auth, timeout=10)
                assert r.status_code == (200 if which == mine else 401), (mine, which, r.text)
        for _ in range(5):  # repeated signals, as a supervisor or an impatient person sends them
            for proc in procs:
                os.killpg(proc.pid, signal.SIGTERM)
            time.sleep(0.1)
        assert [proc.wait(timeout=60) for proc in procs] == [0, 0]
        pids = [pid for stack in stacks for pid in stack["pids"].values()]
        assert len(pids) == 10  # serve, moto, pump, app and the test OpenID provider of each stack
        deadline = time.monotonic() + 10
        while any(map(_alive, pids)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [pid for pid in pids if _alive(pid)] == []
        assert [state.read(port) for port in ports] == [None, None]
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)


def test_issuer_cli_without_a_stack_on_its_port_writes_nowhere():
    port = serve.free_port()
    args = ["create", "--name", "Lost", "--url", "https://l.example", "--email", "l@l.example"]
    done = subprocess.run(
        [sys.executable, "local/issuer.py", *args],
        cwd=ROOT,
        env=_without_moto(port),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert f"make run PORT={port}" in done.stderr
