"""OpenID Connect providers over HTTPS (store/outside.py's OpenIdProviders): discovery, the signing keys
(JWKS) and the token exchange, with `requests`.

Every call is bounded: one 5 s deadline (connection and every read), bodies streamed and cut at 256 KB,
no redirects followed, https only (the local and test stages may also reach 127.0.0.1 on the ports of
FETCH_ALLOW_LOOPBACK_PORTS, where the test identity provider listens). Discovery documents and key sets
are kept per Lambda container; a key set is fetched again when a token names a kid it lacks, at most
once a minute per provider (so a flood of bad tokens cannot make us a fetch amplifier).
"""

from __future__ import annotations

import json
import time
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from chalicelib.errors import Forbidden, Unavailable

TIMEOUT_SECONDS = 5.0
MAX_BYTES = 256 * 1024
KEEP_SECONDS = 3600
REFRESH_SECONDS = 60
UNREACHABLE = "The sign-in provider did not answer properly. Try again in a moment."
REFUSED_CODE = "The sign-in provider refused this sign-in (it may have expired). Start again."


class ProviderUnreachable(Unavailable):
    """The provider did not answer, answered too slowly, too much, or not JSON: nothing was decided."""


class CodeRefused(Forbidden):
    """The token endpoint refused the code (used, expired, or not ours)."""

    title = "Sign-in refused"


@cache
def loopback_ports() -> frozenset[int]:
    """Ports of 127.0.0.1 the local/test stage may reach (the verifier's setting); none elsewhere."""
    from chalicelib.config import get_settings

    settings = get_settings()
    return settings.fetch_allow_loopback_ports if settings.is_local else frozenset()


def allowed(url: str) -> bool:
    """https anywhere; http only to 127.0.0.1 or localhost on an allowed port of a development stage."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme == "https" and parts.hostname and not parts.username:
        return True
    loopback = parts.hostname in ("127.0.0.1", "localhost")
    return parts.scheme == "http" and loopback and port is not None and port in loopback_ports()


class OpenIdOverHttps:
    def __init__(self) -> None:
        self._metadata: dict[str, tuple[float, dict]] = {}
        self._jwks: dict[str, tuple[float, dict]] = {}

    def metadata(self, issuer: str) -> dict:
        kept = self._metadata.get(issuer)
        if kept and time.monotonic() - kept[0] < KEEP_SECONDS:
            return kept[1]
        document = _json(_call("GET", issuer.rstrip("/") + "/.well-known/openid-configuration"))
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(name), str) or not allowed(document[name]):
                raise ProviderUnreachable(UNREACHABLE)
        self._metadata[issuer] = (time.monotonic(), document)
        return document

    def jwks(self, uri: str, *, refresh: bool = False) -> dict:
        kept = self._jwks.get(uri)
        age = time.monotonic() - kept[0] if kept else None
        if kept and ((age < KEEP_SECONDS and not refresh) or age < REFRESH_SECONDS):
            return kept[1]
        keys = _json(_call("GET", uri))
        if not isinstance(keys.get("keys"), list):
            raise ProviderUnreachable(UNREACHABLE)
        self._jwks[uri] = (time.monotonic(), keys)
        return keys

    def exchange(self, token_endpoint: str, form: dict[str, str], *, auth: tuple[str, str] | None) -> dict:
        status, body = _call("POST", token_endpoint, data=form, auth=auth, statuses=(200, 400, 401))
        if status != 200:
            raise CodeRefused(REFUSED_CODE)
        return _json((status, body))


def _call(method: str, url: str, *, statuses: tuple[int, ...] = (200,), **kw: Any) -> tuple[int, bytes]:
    """One bounded request: (status, body). ProviderUnreachable for anything not in `statuses`."""
    import requests  # lazy: cold start

    if not allowed(url):
        raise ProviderUnreachable(UNREACHABLE)
    deadline = time.monotonic() + TIMEOUT_SECONDS
    try:
        with requests.request(
            method,
            url,
            timeout=(TIMEOUT_SECONDS, TIMEOUT_SECONDS),
            stream=True,
            allow_redirects=False,
            headers={"Accept": "application/json"},
            **kw,
        ) as response:
            if response.status_code not in statuses:
                raise ProviderUnreachable(UNREACHABLE)
            return response.status_code, _read(response, deadline)
    except requests.RequestException:
        raise ProviderUnreachable(UNREACHABLE) from None


def _read(response: Any, deadline: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise ProviderUnreachable(UNREACHABLE)
    body = bytearray()
    for chunk in response.iter_content(16 * 1024):
        body += chunk
        if len(body) > MAX_BYTES or time.monotonic() > deadline:
            raise ProviderUnreachable(UNREACHABLE)
    return bytes(body)


def _json(answer: tuple[int, bytes]) -> dict:
    try:
        value = json.loads(answer[1])
    except ValueError:
        raise ProviderUnreachable(UNREACHABLE) from None
    if not isinstance(value, dict):
        raise ProviderUnreachable(UNREACHABLE)
    return value
