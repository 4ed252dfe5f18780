"""The mail queue's consumer (Lambda's SQS trigger; locally, local/pump.py calls it)."""

from __future__ import annotations

import json
from functools import lru_cache

from chalicelib.services.earners import accounts, activation, open_signup
from chalicelib.services.issuing import bulk_worker, notices
from chalicelib.store import current

HANDLERS = {
    "notice": lambda message: notices.send_notice(message["assertion_id"], store=current()),
    "bulk": lambda message: bulk_worker.process_batch(message, store=current()),
    "reset": lambda message: accounts.mail_reset(
        message["email"], message["request_id"], message["at"], store=current()
    ),
    "activation": lambda message: activation.mail_resend(
        message["email"], message["request_id"], message["at"], store=current()
    ),
    "signup": lambda message: open_signup.mail_signup(
        message["email"], message["request_id"], message["at"], store=current()
    ),
}


@lru_cache(maxsize=1)
def _logger():
    from aws_lambda_powertools import Logger  # lazy: the API function never pays for it

    return Logger(service="laurel-mail-worker")


def mail_worker(event) -> None:
    """Handle award notices, bulk batches, and the reset, activation and sign-up mails people asked
    for. Raising makes SQS redeliver; after 5 receives the message goes to the dead-letter queue (`make
    replay-dead-letters` puts it back). Every handler is safe to run again on the same message: they
    never award or mail twice."""
    log = _logger()
    for record in event:
        raw = record.to_dict()
        context = {
            "message_id": raw.get("messageId"),
            "receive": raw.get("attributes", {}).get("ApproximateReceiveCount"),
        }
        message = json.loads(record.body)
        kind = message.get("kind")
        if kind not in HANDLERS:
            log.error("unknown message kind", extra={"kind": kind, **context})
            continue
        try:
            outcome = HANDLERS[kind](message)
        except Exception:
            log.exception("message failed; SQS will deliver it again", extra={"kind": kind, **context})
            raise
        log.info("message handled", extra={"kind": kind, "outcome": outcome, **context})
