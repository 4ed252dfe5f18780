"""What SES has sent, read back for the local outbox (web/outbox.py): moto's server keeps every message;
its templates are read with GetTemplate. Local stage only: nothing here runs on AWS."""

from __future__ import annotations

import json
import re
import time
from email import policy
from email.parser import Parser
from urllib.error import HTTPError
from urllib.request import urlopen

from chalicelib.config import get_settings


def sent() -> list[dict]:
    """Every message sent: {id, from, to, subject, html, text} or {id, from, to, template, data}."""
    return collect(moto_ses_state())


def template(name: str) -> dict | None:
    """An SES template's parts (SubjectPart, HtmlPart, TextPart), None when there is none by that name."""
    from botocore.exceptions import ClientError  # lazy: this page exists only locally

    from chalicelib.store.aws import client

    try:
        return client("ses").get_template(TemplateName=name)["Template"]
    except ClientError:
        return None


def moto_ses_state() -> dict:
    """The SES part of moto's server state (GET /moto-api/data.json)."""
    endpoint = (get_settings().aws_endpoint_url or "http://127.0.0.1:5005").rstrip("/")
    # moto serialises every tracked model; a DynamoDB write racing that dump makes it answer 500 now
    # and then ("keys must be str ... not DynamoType"), so a failed read is tried again.
    for attempt in range(4):
        try:
            with urlopen(f"{endpoint}/moto-api/data.json", timeout=10) as response:  # noqa: S310 (local URL)
                return json.load(response).get("ses", {})
        except HTTPError:
            if attempt == 3:
                raise
            time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


def _addresses(destination: dict | list) -> str:
    """To (and Cc) addresses of an SES Destination dict, or a raw message's recipient list."""
    if isinstance(destination, list):
        return ", ".join(destination)
    return ", ".join(destination.get("ToAddresses", []) + destination.get("CcAddresses", []))


def _json(text: str | None) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _templated(item: dict) -> list[dict]:
    """One entry per destination; bulk sends carry per-destination ReplacementTemplateData."""
    base = {"id": item["id"], "from": item.get("source"), "template": item.get("template")}
    defaults = _json(item.get("template_data"))
    if isinstance(item.get("destinations"), dict):
        return [{**base, "to": _addresses(item["destinations"]), "data": defaults}]
    return [
        {
            **base,
            "id": f"{item['id']}-{i}",
            "to": _addresses(dest.get("Destination", {})),
            "data": {**defaults, **_json(dest.get("ReplacementTemplateData"))},
        }
        for i, dest in enumerate(item.get("destinations") or [])
    ]


def _simple(item: dict) -> dict:
    """moto keeps one body for SendEmail: the HTML part when there was one, else the text part."""
    body = item.get("body") or ""
    is_html = bool(re.search(r"<(html|body|p|div|table|a|br)\b", body, re.IGNORECASE))
    return {
        "id": item["id"],
        "from": item.get("source"),
        "to": _addresses(item.get("destinations") or {}),
        "subject": item.get("subject") or "",
        "html": body if is_html else "",
        "text": "" if is_html else body,
    }


def _raw(item: dict) -> dict:
    """A SendRawEmail message, parsed for its subject and text and HTML parts."""
    message = Parser(policy=policy.default).parsestr(item.get("raw_data") or "")
    parts = {"html": "", "text": ""}
    for kind in ("html", "plain"):
        part = message.get_body(preferencelist=(kind,))
        if part is not None:
            parts["html" if kind == "html" else "text"] = part.get_content()
    to = item.get("destinations") or [message.get("To", "")]
    subject = message["Subject"] or ""
    return {"id": item["id"], "from": item.get("source"), "to": _addresses(to), "subject": subject, **parts}


def collect(state: dict) -> list[dict]:
    """Every sent message in moto's SES state, unrendered, oldest first within each kind."""
    entries: list[dict] = []
    for item in state.get("TemplateMessage", []):
        entries.extend(_templated(item))
    entries.extend(_raw(item) for item in state.get("RawMessage", []))
    entries.extend(_simple(item) for item in state.get("Message", []))
    return entries
