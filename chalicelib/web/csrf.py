"""CSRF protection for HTML forms: a double-submit cookie plus an Origin check. Stateless."""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from chalicelib.config import get_settings
from chalicelib.services.errors import LaurelError

COOKIE = "laurel_csrf"
FIELD = "csrf_token"


class CsrfError(LaurelError):
    status = 403
    title = "Forbidden"


def cookies(request: Any) -> dict[str, str]:
    jar = SimpleCookie()
    jar.load(request.headers.get("cookie") or "")
    return {name: morsel.value for name, morsel in jar.items()}


def token_for(request: Any) -> tuple[str, str | None]:
    """(token to put in the form, Set-Cookie header value or None when the cookie already holds it)."""
    current = cookies(request).get(COOKIE)
    if current and len(current) == 43:
        return current, None
    token = secrets.token_urlsafe(32)
    secure = "" if get_settings().is_local else "; Secure"
    return token, f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"


def check(request: Any, form: dict) -> None:
    """403 unless the form's token matches the cookie and the request comes from our own origin."""
    origin = request.headers.get("origin")
    ours = urlsplit(get_settings().public_base_url)
    if origin and origin != "null" and urlsplit(origin)[:2] != ours[:2]:
        raise CsrfError("This form was sent from another site.")
    cookie = cookies(request).get(COOKIE) or ""
    sent = form.get(FIELD) or ""
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie, sent):
        raise CsrfError("This form has expired or came from another site. Reload the page and try again.")
