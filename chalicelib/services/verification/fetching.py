"""Fetching addresses people give us, safely: public hosts only, checked after DNS and on every redirect.

The host is resolved here, every address it resolves to is checked, and the connection goes to that
checked address (the name is never resolved again, so DNS cannot change its answer in between).
Bodies are capped at 2 MB, redirects at 3, and the whole fetch at 5 seconds: one absolute deadline that
the name lookup, the connection, the TLS handshake and every single send and receive get only the rest
of (a server that sends a byte a second would otherwise reset a per-read timeout forever).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from http.client import HTTPConnection, HTTPException, HTTPResponse
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from chalicelib.openbadges.verify_base import FetchError, FetchRefused

if TYPE_CHECKING:
    from concurrent.futures import Executor

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 5.0
BUDGET_SECONDS = 15.0  # all fetches of one verification together stay well inside API Gateway's 29 s
MAX_REDIRECTS = 3
_HEAD_BYTES = 256 * 1024  # status lines, headers and chunk framing a response may add to its body
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

    settings = get_settings()
    return settings.fetch_allow_loopback_ports if settings.is_local else frozenset()


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
        ip = self.checked_address(parts.hostname, port, deadline)
        allowance = self.max_bytes + _HEAD_BYTES
        connection = _connection(parts.scheme, parts.hostname, ip, port, deadline, allowance)
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
            response = connection.getresponse()
            headers = {k.lower(): v for k, v in response.getheaders()}
            return response.status, headers, self._body(response, headers)
        except TimeoutError:
            raise
        except (OSError, HTTPException) as error:
            raise FetchError(f"The connection to {parts.hostname} failed ({type(error).__name__}).") from None
        finally:
            connection.close()

    def checked_address(self, host: str, port: int, deadline: float | None = None) -> str:
        """The address to connect to: every address the host resolves to must be public (or allowed).

        The lookup runs on a worker thread so that a slow name server cannot outlast the deadline.
        """
        resolve = self.resolver or socket.getaddrinfo
        lookup = _lookups().submit(resolve, host, port, type=socket.SOCK_STREAM)
        try:
            infos = lookup.result(timeout=None if deadline is None else _remaining(deadline))
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

    def _body(self, response: HTTPResponse, headers: dict[str, str]) -> bytes:
        """The response body, refusing what is too large, or not a badge's media type (the socket keeps
        the deadline)."""
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


@cache
def _lookups() -> Executor:
    """Worker threads for name lookups (getaddrinfo has no timeout of its own)."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="fetch-dns")


def _connection(
    scheme: str, host: str, ip: str, port: int, deadline: float, allowance: int
) -> HTTPConnection:
    """A connection to the checked ip over a socket that keeps the deadline and receives at most
    allowance bytes; HTTPS verifies the certificate for the host name (the request then goes over the
    open socket, whatever its scheme)."""
    connection = HTTPConnection(ip, port)
    sock = _DeadlineSocket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM)
    sock.deadline, sock.allowance = deadline, allowance
    try:
        sock.settimeout(_remaining(deadline))
        sock.connect((ip, port))
        if scheme == "https":
            sock.settimeout(_remaining(deadline))  # the handshake as a whole gets what is left
            sock = _tls_context().wrap_socket(sock, server_hostname=host)
            sock.deadline, sock.allowance = deadline, allowance
    except TimeoutError:
        sock.close()
        raise
    except OSError as error:
        sock.close()
        name = "certificate" if "CERTIFICATE" in str(error).upper() else type(error).__name__
        raise FetchError(f"Could not connect to {host} ({name}).") from None
    connection.sock = sock
    return connection


class _DeadlineSocket(socket.socket):
    """A TCP socket whose every send and receive gets only the time left before the fetch's deadline,
    and that receives at most `allowance` bytes in all (status lines, headers and framing count too)."""

    deadline, allowance = 0.0, 0

    def recv_into(self, buffer, nbytes=0, flags=0):
        self.settimeout(_remaining(self.deadline))
        return _spend(self, super().recv_into(buffer, nbytes, flags))

    def recv(self, bufsize, flags=0):
        self.settimeout(_remaining(self.deadline))
        return _spend(self, super().recv(bufsize, flags))

    def sendall(self, data, flags=0):
        self.settimeout(_remaining(self.deadline))
        return super().sendall(data, flags)


class _DeadlineSSLSocket(ssl.SSLSocket):
    """The TLS socket over a _DeadlineSocket: reads and writes of TLS records keep the deadline too."""

    deadline, allowance = 0.0, 0

    def read(self, size=1024, buffer=None):
        self.settimeout(_remaining(self.deadline))
        return _spend(self, super().read(size, buffer))

    def send(self, data, flags=0):
        self.settimeout(_remaining(self.deadline))
        return super().send(data, flags)


def _spend(sock: _DeadlineSocket | _DeadlineSSLSocket, received: int | bytes) -> int | bytes:
    """What a receive returned, counted against the socket's allowance; FetchError past it."""
    sock.allowance -= received if isinstance(received, int) else len(received)
    if sock.allowance < 0:
        raise FetchError("That address sends more than Laurel reads for one document.")
    return received


@cache
def _tls_context() -> ssl.SSLContext:
    """The default (certificate-checking) context, making deadline-keeping TLS sockets."""
    context = ssl.create_default_context()
    context.sslsocket_class = _DeadlineSSLSocket
    return context


def fetcher() -> SafeFetcher:
    """A fetcher for one verification, with this stage's loopback allow-list."""
    return SafeFetcher(allow_loopback_ports=loopback_ports())
