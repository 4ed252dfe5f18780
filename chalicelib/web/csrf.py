"""CSRF protection for HTML forms: an Origin check plus a token bound to the session.

Signed in, the form's token is an HMAC keyed by the session cookie's secret, so a token from another
session (or one planted in a cookie) is refused and signing in again voids older forms. Before signing
in (login, registration, activation, reset) it is a double-submit `__Host-` cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from chalicelib.errors import LaurelError
from chalicelib.services.shared import urls
from chalicelib.web import cookies

FIELD = "csrf_token"
TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


class CsrfError(LaurelError):
    status = 403
    title = "Forbidden"


def _bound(session_secret: str) -> str:
    digest = hmac.new(session_secret.encode(), b"laurel csrf token", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _expected(jar: dict[str, str]) -> str:
    """The token this browser's forms must carry ("" when it has none yet)."""
    if jar.get(cookies.SESSION):
        return _bound(jar[cookies.SESSION])
    anonymous = jar.get(cookies.CSRF) or ""
    return anonymous if len(anonymous) == TOKEN_LENGTH else ""


def token_for(request: Any) -> tuple[str, str | None]:
    """(token to put in the form, Set-Cookie header value or None when no new cookie is needed)."""
    expected = _expected(cookies.read(request))
    if expected:
        return expected, None
    token = secrets.token_urlsafe(32)
    return token, cookies.set_cookie(cookies.CSRF, token)


def check(request: Any, form: dict) -> None:
    """403 unless the form's token is this browser's and the request comes from our own origin."""
    origin = request.headers.get("origin")
    ours = urlsplit(urls.base())
    if origin and origin != "null" and urlsplit(origin)[:2] != ours[:2]:
        raise CsrfError("This form was sent from another site.")
    expected = _expected(cookies.read(request))
    sent = form.get(FIELD) or ""
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfError("This form has expired or came from another site. Reload the page and try again.")
