"""The local outbox: the mail the store sent (SES on moto's server, read by store/ses_sent.py), rendered
for a person and for tests.

Imported only by routes/outbox.py on the local stage, so Lambda never pays for it."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from chalice import Response
from markupsafe import Markup, escape

if TYPE_CHECKING:
    from chalicelib.store.outside import Mail

URL = re.compile(r"https?://[^\s<>\"')\]]+")
_seen: dict[str, int] = {}
_seen_lock = threading.Lock()


def newest_first(entries: list[dict]) -> list[dict]:
    """moto records no send time: order by when this process first saw each message, newest first."""
    with _seen_lock:
        for entry in entries:
            _seen.setdefault(entry["id"], len(_seen))
        return sorted(entries, key=lambda entry: _seen[entry["id"]], reverse=True)


# --- rendering templated mail -------------------------------------------------------------------


class _Templates:
    """The mail store's templates, each read once per request."""

    def __init__(self, mail: Mail) -> None:
        self._mail = mail
        self._cache: dict[str, dict | None] = {}

    def get(self, name: str) -> dict | None:
        if name not in self._cache:
            self._cache[name] = self._mail.template(name)
        return self._cache[name]


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


def messages(mail: Mail) -> list[dict]:
    """All mail the store sent, rendered, newest first."""
    templates = _Templates(mail)
    return [render(entry, templates) for entry in newest_first(mail.outbox())]


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


def _template():
    """templates/pages/outbox.html in the pages' environment, with the outbox's two filters."""
    from chalicelib.web.pages import environment

    env = environment()
    env.filters.setdefault("linkify", linkify)
    env.filters.setdefault("framed", framed)
    return env.get_template("pages/outbox.html")


def page(mail: list[dict], *, single: bool = False, status: int = 200) -> Response:
    html = _template().render(messages=mail, single=single)
    return Response(body=html, status_code=status, headers={"Content-Type": "text/html; charset=utf-8"})
