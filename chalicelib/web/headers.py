"""Security headers on every response, decided in one place (the app's HTTP middleware calls `secure`)."""

from __future__ import annotations

from collections.abc import MutableMapping

# Pages run only our own script files (no inline script); inline <style> blocks are allowed. Images may
# come from imported or verified badges hosted elsewhere, so https: images are allowed too. Frames only
# from our origin: the share panel previews the badge's own embed. Scripts talk only to our origin (passkey
# ceremonies, the proof-of-work challenge) and the challenge's worker is our own file.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
    "connect-src 'self'; worker-src 'self'; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
)
# A served SVG is a document a browser could open: it runs nothing and loads nothing.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=63072000; includeSubDomains"
# Embeds are made to be framed by any site; nothing else is.
FRAMEABLE_PREFIXES = ("/embed/",)


def secure(route: str, headers: MutableMapping[str, str], *, https: bool) -> None:
    """Set the security headers for a response of `route` (the route's template, e.g. /claim/{token}).

    A route's own Referrer-Policy stays, except where the URL holds a secret token (claim, activation,
    reset, unsubscribe, address verification): those send no Referer at all.
    """
    frameable = route.startswith(FRAMEABLE_PREFIXES)
    kind = _content_type(headers)
    if kind == "text/html":
        policy = PAGE_POLICY.format(ancestors="*" if frameable else "'none'")
    elif kind == "image/svg+xml":
        policy = SVG_POLICY
    else:
        policy = DATA_POLICY
    headers["Content-Security-Policy"] = policy
    headers["X-Content-Type-Options"] = "nosniff"
    if not frameable:
        headers["X-Frame-Options"] = "DENY"
    if "{token}" in route:
        headers["Referrer-Policy"] = "no-referrer"
    else:
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if https:
        headers["Strict-Transport-Security"] = HSTS


def _content_type(headers: MutableMapping[str, str]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            return value.split(";")[0].strip().lower()
    return "application/json"  # Chalice's default for a body without one
