"""No email address reaches the logs: each record's message and traceback are redacted as it is made.

AWS errors quote addresses (SES: "identities failed the check: ada@example.org"), and an exception's
text lands in CloudWatch with its traceback, so redacting at the source covers every logger we use.
"""

from __future__ import annotations

import logging
import re
import traceback

EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
REDACTED = "<email>"


def redact(text: str) -> str:
    return EMAIL.sub(REDACTED, text)


def install() -> None:
    """Wrap the log record factory once per process."""
    base = logging.getLogRecordFactory()
    if getattr(base, "redacts_email", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = base(*args, **kwargs)
        try:
            record.msg, record.args = redact(record.getMessage()), None
        except Exception:  # a malformed call is logging's to report, as it would be without us
            return record
        if record.exc_info and record.exc_info[1] is not None:
            # Formatters print exc_text as given; without exc_info they cannot re-render the original.
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
            record.exc_info = None
        return record

    factory.redacts_email = True
    logging.setLogRecordFactory(factory)
