"""SES sending of templated mail (SES v1: moto implements its bulk templated call)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from chalicelib.config import get_settings
from chalicelib.errors import Busy
from chalicelib.store.aws import client, refused_for_now

BULK_LIMIT = 50  # destinations per SendBulkTemplatedEmail call


def ses_address(email: str) -> str:
    """The address as SES takes it: an internationalised domain in its xn-- (IDNA) form.

    Addresses are stored with Unicode domains (services/fields.normalise_email); SES refuses those.
    """
    local, _, domain = email.rpartition("@")
    if domain.isascii():
        return email
    import idna  # lazy: only for internationalised domains

    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except idna.IDNAError:
        return email  # SES will say why it cannot deliver


@contextmanager
def _not_now() -> Iterator[None]:
    """SES saying "not now" (throttled, a brief outage) to an award notice sent nothing: Busy, so the
    worker hands the notice back and SQS delivers it again."""
    try:
        yield
    except Exception as error:
        if refused_for_now(error):
            raise Busy("Mail is busy; nothing was sent. Try again in a few seconds.") from error
        raise


def send_templated(to: str, template: str, data: dict) -> str:
    """Send one templated message; returns the SES message id."""
    with _not_now():
        result = client("ses").send_templated_email(
            Source=get_settings().sender,
            Destination={"ToAddresses": [ses_address(to)]},
            Template=template,
            TemplateData=json.dumps(data),
        )
    return result["MessageId"]


def send_bulk(template: str, default_data: dict, destinations: list[tuple[str, dict]]) -> list[str | None]:
    """Send up to 50 templated messages in one call; returns an error per destination (None = sent)."""
    with _not_now():
        result = client("ses").send_bulk_templated_email(
            Source=get_settings().sender,
            Template=template,
            DefaultTemplateData=json.dumps(default_data),
            Destinations=[
                {
                    "Destination": {"ToAddresses": [ses_address(to)]},
                    "ReplacementTemplateData": json.dumps(data),
                }
                for to, data in destinations
            ],
        )
    return [
        None if s.get("Status") == "Success" else s.get("Error", s.get("Status")) for s in result["Status"]
    ]


def send_email(to: str, subject: str, html: str, text: str) -> str:
    """Send one message with HTML and text parts (SES SendEmail); returns the SES message id."""
    result = client("ses").send_email(
        Source=get_settings().sender,
        Destination={"ToAddresses": [ses_address(to)]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Html": {"Data": html, "Charset": "UTF-8"}, "Text": {"Data": text, "Charset": "UTF-8"}},
        },
    )
    return result["MessageId"]


def outbox() -> list[dict]:
    """Every message sent, unrendered, for the local outbox (moto's server only)."""
    from chalicelib.store import ses_sent  # lazy: development stages only

    return ses_sent.sent()


def template(name: str) -> dict | None:
    """An SES template's parts, for the local outbox; None when missing."""
    from chalicelib.store import ses_sent  # lazy: development stages only

    return ses_sent.template(name)
