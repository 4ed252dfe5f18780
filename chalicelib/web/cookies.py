"""Our cookies: `__Host-` names, so they are always Secure, Path=/ and never set for another host.

Every stage uses the same attributes. Browsers treat http://127.0.0.1 and http://localhost as secure
contexts and keep `__Host-` Secure cookies there (checked with Debian's Chromium 156), so `make run`
and the browser tests need no weaker cookie; production cannot get one by a wrong STAGE.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from typing import Any

SESSION = "__Host-laurel_session"
CSRF = "__Host-laurel_csrf"
FLOW = "__Host-laurel_flow"  # binds a sign-in ceremony (OpenID Connect, passkey, sign-up) to one browser


def read(request: Any) -> dict[str, str]:
    """The request's cookies by name (an unreadable Cookie header reads as none)."""
    jar = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie") or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def set_cookie(name: str, value: str, max_age: int | None = None, *, same_site: str = "Lax") -> str:
    """A Set-Cookie value: HttpOnly, SameSite=Lax, Secure, Path=/ and no Domain (what `__Host-` needs).
    SameSite=None only where another site's form posts back to us (Apple's form_post sign-in)."""
    age = "" if max_age is None else f"; Max-Age={max_age}"
    return f"{name}={value}; Path=/{age}; HttpOnly; SameSite={same_site}; Secure"


def clear(name: str) -> str:
    return set_cookie(name, "", 0)
