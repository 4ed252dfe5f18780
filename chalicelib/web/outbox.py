"""The local outbox: the mail SES (moto's server) accepted, rendered for a person and for tests.

Imported only by routes/outbox.py on the local stage, so Lambda never pays for it."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from email import policy
from email.parser import Parser
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import urlopen

from chalice import Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
URL = re.compile(r"https?://[^\s<>\"')\]]+")
_seen: dict[str, int] = {}
_seen_lock = threading.Lock()


# --- reading moto's state ----------------------------------------------------------------------


def moto_ses_state() -> dict:
    """The SES part of moto's server state (GET /moto-api/data.json)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:5005").rstrip("/")
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
    """Every sent message, unrendered, oldest first within each kind."""
    entries: list[dict] = []
    for item in state.get("TemplateMessage", []):
        entries.extend(_templated(item))
    entries.extend(_raw(item) for item in state.get("RawMessage", []))
    entries.extend(_simple(item) for item in state.get("Message", []))
    return entries


def newest_first(entries: list[dict]) -> list[dict]:
    """moto records no send time: order by when this process first saw each message, newest first."""
    with _seen_lock:
        for entry in entries:
            _seen.setdefault(entry["id"], len(_seen))
        return sorted(entries, key=lambda entry: _seen[entry["id"]], reverse=True)


# --- rendering templated mail -------------------------------------------------------------------


class _Templates:
    """SES templates fetched once per request from the same endpoint the app uses."""

    def __init__(self) -> None:
        self._cache: dict[str, dict | None] = {}
        self._ses: Any = None

    def get(self, name: str) -> dict | None:
        if name not in self._cache:
            self._cache[name] = self._fetch(name)
        return self._cache[name]

    def _fetch(self, name: str) -> dict | None:
        import boto3  # lazy: this page exists only locally
        from botocore.exceptions import ClientError

        if self._ses is None:
            self._ses = boto3.session.Session().client("ses")
        try:
            return self._ses.get_template(TemplateName=name)["Template"]
        except ClientError:
            return None


def render(entry: dict, templates: _Templates) -> dict:
    """Fill subject, html and text of a templated entry (Mustache rendering, as SES does for variables)."""
    if "template" not in entry:
        return entry
    import chevron  # lazy: a development dependency

    template = templates.get(entry["template"])
    if template is None:
        missing = f"(template {entry['template']!r} not found)"
        return {**entry, "subject": missing, "html": "", "text": missing}
    data = entry["data"]
    return {
        **entry,
        "subject": chevron.render(template.get("SubjectPart") or "", data),
        "html": chevron.render(template.get("HtmlPart") or "", data),
        "text": chevron.render(template.get("TextPart") or "", data),
    }


def messages() -> list[dict]:
    """All sent mail, rendered, newest first."""
    templates = _Templates()
    return [render(entry, templates) for entry in newest_first(collect(moto_ses_state()))]


# --- pages --------------------------------------------------------------------------------------


def linkify(text: str) -> Markup:
    """Escape text and make its http(s) links clickable."""
    out, last = [], 0
    for match in URL.finditer(text):
        url = match.group(0)
        link = Markup('<a href="{0}" target="_blank">{0}</a>').format(url)
        out += [escape(text[last : match.start()]), link]
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def framed(html: str) -> str:
    """The HTML body for a sandboxed iframe's srcdoc, with links opening a new tab."""
    return '<base target="_blank">' + html


@lru_cache(maxsize=1)
def _jinja() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES / "pages")), autoescape=select_autoescape(default=True)
    )
    env.filters["linkify"] = linkify
    env.filters["framed"] = framed
    return env


def page(mail: list[dict], *, single: bool = False, status: int = 200) -> Response:
    html = _jinja().get_template("outbox.html").render(messages=mail, single=single)
    return Response(body=html, status_code=status, headers={"Content-Type": "text/html; charset=utf-8"})
