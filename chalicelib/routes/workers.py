"""The mail queue's consumer (Lambda's SQS trigger; locally, local/pump.py calls it)."""

from __future__ import annotations

import json
from functools import lru_cache

from chalicelib.services import bulk_worker, notices


@lru_cache(maxsize=1)
def _logger():
    from aws_lambda_powertools import Logger  # lazy: the API function never pays for it

    return Logger(service="laurel-mail-worker")


def mail_worker(event) -> None:
    """Handle award notices and bulk batches. Raising makes SQS redeliver (then dead-letter)."""
    log = _logger()
    for record in event:
        message_id = record.to_dict().get("messageId")
        message = json.loads(record.body)
        kind = message.get("kind")
        if kind == "notice":
            outcome = notices.send_notice(message["assertion_id"])
        elif kind == "bulk":
            outcome = bulk_worker.process_batch(message)
        else:
            log.error("unknown message kind", extra={"kind": kind, "message_id": message_id})
            continue
        log.info("message handled", extra={"kind": kind, "outcome": outcome, "message_id": message_id})
