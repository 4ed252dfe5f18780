"""The mail queue's consumer (Lambda's SQS trigger; locally, local/pump.py calls it)."""

from __future__ import annotations

import json
import logging

from chalicelib.services import bulk_worker, notices

log = logging.getLogger(__name__)


def mail_worker(event) -> None:
    """Handle award notices and bulk batches. Raising makes SQS redeliver (then dead-letter)."""
    for record in event:
        message = json.loads(record.body)
        if message["kind"] == "notice":
            outcome = notices.send_notice(message["assertion_id"])
        elif message["kind"] == "bulk":
            outcome = bulk_worker.process_batch(message)
        else:
            log.error("unknown message kind %r", message.get("kind"))
            continue
        log.info("%s message: %s", message["kind"], outcome)
