"""Session cookies, the signed-in account, the client's address, form bodies and safe `next` paths."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalicelib.services.earners import sessions
from chalicelib.store import current
from chalicelib.web import cookies

COOKIE = cookies.SESSION
MAX_FORM_BYTES = 64 * 1024
DEFAULT_NEXT = "/backpack"
_SAFE_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*$")


def cookie_header(token: str, *, keep: bool = False) -> str:
    """Set-Cookie for a new session, living as long as the session can."""
    return cookies.set_cookie(COOKIE, token, sessions.lifetime(keep))


def clear_header() -> str:
    return cookies.clear(COOKIE)


def session_token(request: Any) -> str:
    return cookies.read(request).get(COOKIE, "")


def current_session(request: Any) -> sessions.Session | None:
    """The live session of this request (its idle end moved forward), or None."""
    return sessions.find(session_token(request), store=current())


def current_account(request: Any):
    """The signed-in account, or None."""
    found = current_session(request)
    return found.account if found else None


def client_ip(request: Any) -> str:
    """The caller's address as API Gateway saw it (also set by chalice local)."""
    identity = (request.context or {}).get("identity") or {}
    return identity.get("sourceIp") or "unknown"


def form_body(request: Any) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as {name: first value}; oversized bodies read as empty."""
    body = request.raw_body or b""
    if len(body) > MAX_FORM_BYTES:
        return {}
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {name: values[0] for name, values in parsed.items()}


def safe_next(value: str | None) -> str:
    """Only a same-site relative path; anything else (//evil, \\evil, https://…, javascript:) → /backpack."""
    if not value or len(value) > 500 or "\\" in value or any(ord(c) < 33 for c in value):
        return DEFAULT_NEXT
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not _SAFE_PATH.match(value):
        return DEFAULT_NEXT
    return value
