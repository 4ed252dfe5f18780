"""Fetching addresses people give us, safely: public hosts only, checked after DNS and on every redirect.

The host is resolved here, every address it resolves to is checked, and the connection goes to that
checked address (the name is never resolved again, so DNS cannot change its answer in between).
Bodies are capped at 2 MB, the whole fetch (redirects included) at 5 seconds, redirects at 3.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from http.client import HTTPConnection, HTTPException, HTTPResponse, HTTPSConnection
from urllib.parse import urljoin, urlsplit

from chalicelib.openbadges.verify_base import FetchError, FetchRefused

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 5.0
BUDGET_SECONDS = 15.0  # all fetches of one verification together stay well inside API Gateway's 29 s
MAX_REDIRECTS = 3
ACCEPT = (
    "application/ld+json, application/vc+ld+json, application/json;q=0.9, application/jose;q=0.8, "
    "image/png;q=0.5, image/svg+xml;q=0.5, text/plain;q=0.2"
)
CONTENT_TYPES = (
    "application/json",
    "application/ld+json",
    "application/vc+ld+json",
    "application/vc",
    "application/jose",
    "application/jwt",
    "application/vc+jwt",
    "application/octet-stream",
    "text/plain",
    "image/png",
    "image/svg+xml",
)
PRIVATE = "That address points into a private network; Laurel only fetches public addresses."
# Cloud metadata services, refused by name even where the ranges below would already refuse them.
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_REDIRECTS = (301, 302, 303, 307, 308)

Resolver = Callable[..., list]


@lru_cache(maxsize=1)
def loopback_ports() -> frozenset[int]:
    """Ports of 127.0.0.1 the local/test stage may fetch (FETCH_ALLOW_LOOPBACK_PORTS); none elsewhere."""
    from chalicelib.config import get_settings

    if not get_settings().is_local:
        return frozenset()
    raw = os.environ.get("FETCH_ALLOW_LOOPBACK_PORTS", "")
    return frozenset(int(p) for p in raw.replace(",", " ").split() if p.isdigit())


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is on the public internet: not private, loopback, link-local, multicast, etc."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo or (None, None))[1]
        if ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_link_local or ip in METADATA
    )


@dataclass
class SafeFetcher:
    """fetch(url) -> (status, content type, body), refusing private addresses; one budget for all calls."""

    allow_loopback_ports: frozenset[int] = field(default_factory=frozenset)
    timeout: float = TIMEOUT_SECONDS
    budget: float = BUDGET_SECONDS
    max_bytes: int = MAX_BYTES
    resolver: Resolver | None = None  # default: socket.getaddrinfo, looked up when called
    _budget_ends: float | None = None

    def __call__(self, url: str) -> tuple[int, str, bytes]:
        """GET url, following up to MAX_REDIRECTS redirects, each hop checked again."""
        now = time.monotonic()
        self._budget_ends = self._budget_ends or now + self.budget
        deadline = min(now + self.timeout, self._budget_ends)
        try:
            for _ in range(MAX_REDIRECTS + 1):
                status, headers, body = self._get(url, deadline)
                location = headers.get("location")
                if status not in _REDIRECTS or not location:
                    return status, headers.get("content-type", ""), body
                url = urljoin(url, location)
        except TimeoutError:
            host = urlsplit(url).hostname or url
            raise FetchError(f"{host} did not answer within {self.timeout:g} seconds.") from None
        raise FetchError(f"That address redirects more than {MAX_REDIRECTS} times.")

    def _get(self, url: str, deadline: float) -> tuple[int, dict[str, str], bytes]:
        """One request to the checked address of the URL's host."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchRefused("Laurel only fetches http and https addresses.")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchRefused("That address has an invalid port.") from None
        ip = self.checked_address(parts.hostname, port)
        connection = _connection(parts.scheme, parts.hostname, ip, port, _remaining(deadline))
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
            default_port = (parts.scheme == "https" and port == 443) or (
                parts.scheme == "http" and port == 80
            )
            connection.putheader("Host", parts.hostname if default_port else f"{parts.hostname}:{port}")
            for name, value in (
                ("Accept", ACCEPT),
                ("Accept-Encoding", "identity"),
                ("User-Agent", "Laurel"),
            ):
                connection.putheader(name, value)
            connection.endheaders()
            sock = connection.sock  # kept: the response may outlive the connection's reference to it
            response = connection.getresponse()
            headers = {k.lower(): v for k, v in response.getheaders()}
            return response.status, headers, self._body(response, sock, headers, deadline)
        except TimeoutError:
            raise
        except (OSError, HTTPException) as error:
            raise FetchError(f"The connection to {parts.hostname} failed ({type(error).__name__}).") from None
        finally:
            connection.close()

    def checked_address(self, host: str, port: int) -> str:
        """The address to connect to: every address the host resolves to must be public (or allowed)."""
        try:
            infos = (self.resolver or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, ValueError):
            raise FetchError(f"The address {host} could not be found.") from None
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
        if not addresses:
            raise FetchError(f"The address {host} could not be found.")
        for ip in addresses:
            allowed = ip == ipaddress.ip_address("127.0.0.1") and port in self.allow_loopback_ports
            if not (allowed or is_public(ip)):
                raise FetchRefused(PRIVATE)
        return str(addresses[0])

    def _body(
        self, response: HTTPResponse, sock: socket.socket, headers: dict[str, str], deadline: float
    ) -> bytes:
        """The response body, refusing what is too large, too slow, or not a badge's media type."""
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if 200 <= response.status < 300 and kind and kind not in CONTENT_TYPES:
            raise FetchError(f"That address serves {kind}, not a badge.")
        if response.status in _REDIRECTS:
            return b""
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise FetchError(_too_large(self.max_bytes))
        chunks, size = [], 0
        while True:
            sock.settimeout(_remaining(deadline))
            chunk = response.read1(65536)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(_too_large(self.max_bytes))
            chunks.append(chunk)


def _too_large(limit: int) -> str:
    return f"The document at that address is larger than {limit // (1024 * 1024)} MB."


def _remaining(deadline: float) -> float:
    """Seconds left before the deadline; TimeoutError when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _connection(scheme: str, host: str, ip: str, port: int, timeout: float) -> HTTPConnection:
    """An open connection to the checked ip; HTTPS verifies the certificate for the host name."""
    if scheme == "http":
        connection = HTTPConnection(ip, port, timeout=timeout)
    else:
        import ssl

        connection = _PinnedHTTPSConnection(ip, port, timeout=timeout, context=ssl.create_default_context())
        connection.server_name = host
    try:
        connection.connect()
    except TimeoutError:
        raise
    except OSError as error:
        name = "certificate" if "CERTIFICATE" in str(error).upper() else type(error).__name__
        raise FetchError(f"Could not connect to {host} ({name}).") from None
    return connection


class _PinnedHTTPSConnection(HTTPSConnection):
    """HTTPS to an already checked IP address, with SNI and certificate checks for the host name."""

    server_name = ""

    def connect(self) -> None:
        """Connect to self.host (the IP) and wrap TLS for server_name."""
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.server_name)


def fetcher() -> SafeFetcher:
    """A fetcher for one verification, with this stage's loopback allow-list."""
    return SafeFetcher(allow_loopback_ports=loopback_ports())
