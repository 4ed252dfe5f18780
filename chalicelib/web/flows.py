"""The flow cookie: a random secret that binds a sign-in ceremony to the browser that started it, so a
link, a callback or a form forwarded to (or forced on) another browser cannot finish it. Only its
SHA-256 is stored with the ceremony."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from chalicelib.web import cookies

LIFETIME = 1800  # seconds: longer than any ceremony (a sign-up's proven address lives 30 minutes)
_WELL_FORMED = 43  # token_urlsafe(32)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def browser(request: Any) -> str | None:
    """The SHA-256 of this browser's flow cookie; None without a well-formed one."""
    value = cookies.read(request).get(cookies.FLOW, "")
    return _hash(value) if len(value) == _WELL_FORMED else None


def start(request: Any, *, cross_site_post: bool = False) -> tuple[str, str | None]:
    """This browser's hash, and the Set-Cookie header to send (None when it has a cookie already).
    `cross_site_post`: the ceremony ends with another site's form POST (Apple), which a SameSite=Lax
    cookie would not reach, so the cookie is renewed as SameSite=None."""
    value = cookies.read(request).get(cookies.FLOW, "")
    if len(value) == _WELL_FORMED and not cross_site_post:
        return _hash(value), None
    if len(value) != _WELL_FORMED:
        value = secrets.token_urlsafe(32)
    same_site = "None" if cross_site_post else "Lax"
    return _hash(value), cookies.set_cookie(cookies.FLOW, value, LIFETIME, same_site=same_site)
