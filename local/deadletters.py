"""Dead letters of the mail queue: list them, or replay them into the queue once the cause is fixed.

A message the worker failed five times lands in `<MAIL_QUEUE>-dlq` (the redrive policy): a notice
then stays "queued", a bulk job stays "running" with done + failed < total. Replaying is safe: the
worker never mails twice, so a message replayed twice (say this tool stops between sending and
deleting) is recognised as a duplicate.

    python local/deadletters.py list [--local]     # what is waiting, one JSON object a line
    python local/deadletters.py replay [--local]   # move every dead letter back into the queue

`--local` talks to the `make run` stack serving PORT (its moto, as local/state.py finds it); without
it, boto3's usual credentials and region and the stage's MAIL_QUEUE name (see chalicelib/config.py) pick
the queues.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PEEK_SECONDS = 30  # how long a listed message stays hidden before `list` hands it back


def urls(sqs: Any, queue: str) -> tuple[str, str]:
    """(mail queue URL, dead-letter queue URL)."""
    return tuple(sqs.get_queue_url(QueueName=name)["QueueUrl"] for name in (queue, f"{queue}-dlq"))


def _receive(sqs: Any, url: str, count: int = 10) -> list[dict]:
    return sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=count,
        VisibilityTimeout=PEEK_SECONDS,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])


def summary(message: dict) -> dict:
    """What a dead letter is about, without its personal data."""
    try:
        body = json.loads(message["Body"])
    except ValueError:
        body = {}
    about = {k: body[k] for k in ("kind", "assertion_id", "job_id", "batch") if k in body}
    if "rows" in body:
        about["rows"] = len(body["rows"])
    attributes = message.get("Attributes", {})
    return {"message_id": message["MessageId"], "sent": attributes.get("SentTimestamp"), **about}


def listing(sqs: Any, queue: str) -> list[dict]:
    """Every dead letter, summarised; they are handed back (visible) afterwards."""
    _, dlq = urls(sqs, queue)
    seen: dict[str, dict] = {}
    while messages := _receive(sqs, dlq):
        for message in messages:
            seen.setdefault(message["MessageId"], message)
    for message in seen.values():
        sqs.change_message_visibility(
            QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    return [summary(m) for m in seen.values()]


def replay(sqs: Any, queue: str, limit: int | None = None) -> int:
    """Move dead letters back into the mail queue (send first, then delete); returns how many."""
    url, dlq = urls(sqs, queue)
    moved = 0
    while limit is None or moved < limit:
        messages = _receive(sqs, dlq, 10 if limit is None else min(10, limit - moved))
        if not messages:
            break
        entries = [_entry(i, m) for i, m in enumerate(messages)]
        result = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        done = {entry["Id"] for entry in result.get("Successful", [])}
        sent = [m for i, m in enumerate(messages) if str(i) in done]
        if sent:
            sqs.delete_message_batch(
                QueueUrl=dlq,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(sent)],
            )
        moved += len(sent)
        if len(sent) < len(messages):
            raise RuntimeError(f"SQS refused {len(messages) - len(sent)} messages: {result.get('Failed')}")
    return moved


def _entry(i: int, message: dict) -> dict:
    entry = {"Id": str(i), "MessageBody": message["Body"]}
    if message.get("MessageAttributes"):
        entry["MessageAttributes"] = message["MessageAttributes"]
    return entry


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="local/deadletters.py", description=__doc__.split("\n\n")[0])
    top.add_argument("action", choices=["list", "replay"])
    top.add_argument("--local", action="store_true", help="use the `make run` stack (moto)")
    top.add_argument("--limit", type=int, help="replay at most this many")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if args.local:
        from local.issuer import local_env, moto_listening, no_stack

        if not moto_listening(local_env(os.environ)):
            print(no_stack(os.environ), file=sys.stderr)
            return 2
    import boto3

    from chalicelib.config import get_settings

    sqs, queue = boto3.session.Session().client("sqs"), get_settings().mail_queue
    if args.action == "list":
        for item in listing(sqs, queue):
            print(json.dumps(item))
        return 0
    moved = replay(sqs, queue, args.limit)
    print(f"replayed {moved} dead letters into {queue}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
