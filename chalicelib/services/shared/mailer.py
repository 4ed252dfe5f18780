"""The mail renderer: every person-facing mail is rendered here from templates/mail/<name>.html and
.txt, counted against its address first (so nobody can turn Laurel into a mail bomb), and sent through
store.mail."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.services.shared import ratelimit, urls
from chalicelib.services.shared.ratelimit import TooMany

if TYPE_CHECKING:
    from chalicelib.store import Store

MAIL_DIR = Path(__file__).resolve().parents[3] / "templates" / "mail"
MAIL_LIMITED = "Too many emails went to this address in the last hours. Try again tomorrow."


class MailLimited(TooMany):
    """Too many mails went to this address lately (ratelimit.allow_mail_to)."""


@cache
def _jinja():
    from jinja2 import Environment, FileSystemLoader, select_autoescape  # lazy: cold start

    return Environment(
        loader=FileSystemLoader(str(MAIL_DIR)), autoescape=select_autoescape(["html"], default=False)
    )


def count_mail_to(to: str, *, store: Store) -> None:
    """Count a mail to this address before anything is written for it; MailLimited over the cap."""
    if not ratelimit.allow_mail_to(to, store=store):
        raise MailLimited(MAIL_LIMITED)


def mail(to: str, template: str, subject: str, *, store: Store, counted: bool = False, **context) -> str:
    """Render templates/mail/<template>.html and .txt and send both parts; counted against the address
    unless the caller counted it already. Returns the message id."""
    if not counted:
        count_mail_to(to, store=store)
    context = {"base_url": urls.base(), "email": to, **context}
    html = _jinja().get_template(f"{template}.html").render(subject=subject, **context)
    text = _jinja().get_template(f"{template}.txt").render(subject=subject, **context)
    return store.mail.send_email(to, subject, html, text)
