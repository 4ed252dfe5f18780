"""Safe fetching: public addresses only (after DNS, on every redirect), with size, time and redirect caps."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chalicelib.openbadges.verify_base import FetchError, FetchRefused
from chalicelib.services.verification import fetching
from chalicelib.services.verification.fetching import PRIVATE, SafeFetcher

REFUSED = [
    "127.0.0.1",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.170.2",
    "100.100.100.200",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fd00:ec2::254",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a00:1",
    "2002:a00:1::",
]


def resolving_to(*addresses: str):
    """A getaddrinfo stand-in: every name resolves to these addresses."""

    def resolve(host, port, *args, **kwargs):
        family = socket.AF_INET6
        return [
            (family if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses
        ]

    return resolve


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if anything tries to open a TCP connection."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("address", REFUSED)
def test_private_literal_addresses_are_refused_before_connecting(address, no_connections):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(FetchRefused) as error:
        SafeFetcher()(f"http://{host}/badge.json")
    assert error.value.sentence == PRIVATE


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "fd00:ec2::254"])
def test_a_name_resolving_to_a_private_address_is_refused(address, monkeypatch, no_connections):
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to(address))
    with pytest.raises(FetchRefused, match="private network"):
        SafeFetcher()("https://badges.example/assertion")


def test_one_private_address_among_public_ones_is_enough_to_refuse(no_connections):
    fetch = SafeFetcher(resolver=resolving_to("93.184.216.34", "10.0.0.7"))
    with pytest.raises(FetchRefused):
        fetch("https://badges.example/assertion")


def test_obfuscated_loopback_spellings_are_refused(no_connections):
    for url in ("http://2130706433/", "http://0x7f.1/", "http://127.1/", "http://localhost/"):
        with pytest.raises(FetchRefused):
            SafeFetcher()(url)


def test_other_schemes_are_refused(no_connections):
    for url in ("file:///etc/passwd", "ftp://example.org/x", "gopher://x/", "http:///nohost"):
        with pytest.raises(FetchRefused, match="http and https"):
            SafeFetcher()(url)


def test_public_addresses_pass_the_check():
    fetch = SafeFetcher(resolver=resolving_to("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"))
    assert fetch.checked_address("example.org", 443) == "93.184.216.34"


# --- against a real server on 127.0.0.1 (allowed by port, as the local stage allows its own) -------------


class Handler(BaseHTTPRequestHandler):
    routes: dict = {}
    seen: list = []

    def do_GET(self):
        Handler.seen.append((self.path, self.headers.get("Host")))
        action = Handler.routes.get(self.path.split("?")[0])
        if action is None:
            self.send_response(404)
            self.end_headers()
            return
        action(self)

    def log_message(self, *args):
        pass


def send(status: int, body: bytes = b"", kind: str = "application/ld+json", headers: dict | None = None):
    def respond(handler):
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return respond


@pytest.fixture
def server():
    Handler.routes, Handler.seen = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_allowed_loopback_port_is_fetched_by_the_resolved_address(server):
    Handler.routes["/a"] = send(200, json.dumps({"id": "a"}).encode())
    # badges.test resolves nowhere: the fetch works only because it connects to the checked address
    fetch = SafeFetcher(allow_loopback_ports=frozenset({server}), resolver=resolving_to("127.0.0.1"))
    status, kind, body = fetch(f"http://badges.test:{server}/a?x=1")
    assert (status, kind, json.loads(body)) == (200, "application/ld+json", {"id": "a"})
    assert Handler.seen == [("/a?x=1", f"badges.test:{server}")]


def test_loopback_is_refused_on_other_ports(server):
    with pytest.raises(FetchRefused):
        SafeFetcher(allow_loopback_ports=frozenset({server + 1}))(f"http://127.0.0.1:{server}/a")
    assert Handler.seen == []


def test_redirect_to_a_private_address_is_refused(server):
    Handler.routes["/go"] = send(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    with pytest.raises(FetchRefused, match="private network"):
        SafeFetcher(allow_loopback_ports=frozenset({server}))(f"http://127.0.0.1:{server}/go")


def test_redirects_are_followed_up_to_three(server):
    for n in range(5):
        Handler.routes[f"/r{n}"] = send(301, headers={"Location": f"/r{n + 1}"})
    Handler.routes["/r5"] = send(200, b"{}")
    fetch = SafeFetcher(allow_loopback_ports=frozenset({server}))
    assert fetch(f"http://127.0.0.1:{server}/r2")[0] == 200
    with pytest.raises(FetchError, match="redirects more than 3 times"):
        fetch(f"http://127.0.0.1:{server}/r1")


def test_bodies_over_the_cap_are_refused(server):
    Handler.routes["/big"] = send(200, b"x" * 3000)

    def unannounced(handler):  # no Content-Length: the cap applies while reading
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        handler.wfile.write(b"y" * 3000)
        handler.close_connection = True

    Handler.routes["/stream"] = unannounced
    fetch = SafeFetcher(allow_loopback_ports=frozenset({server}), max_bytes=2048)
    for path in ("/big", "/stream"):
        with pytest.raises(FetchError, match="larger than"):
            fetch(f"http://127.0.0.1:{server}{path}")
    assert fetching.MAX_BYTES == 2 * 1024 * 1024


def test_slow_servers_time_out(server):
    def slow(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        for _ in range(20):  # a trickle: each byte arrives well within the socket timeout
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.1)

    Handler.routes["/slow"] = slow
    started = time.monotonic()
    with pytest.raises(FetchError, match="did not answer within"):
        SafeFetcher(allow_loopback_ports=frozenset({server}), timeout=0.5)(f"http://127.0.0.1:{server}/slow")
    assert time.monotonic() - started < 1.5


def test_other_media_types_are_refused(server):
    Handler.routes["/page"] = send(200, b"<html></html>", kind="text/html")
    with pytest.raises(FetchError, match="serves text/html"):
        SafeFetcher(allow_loopback_ports=frozenset({server}))(f"http://127.0.0.1:{server}/page")


def test_error_statuses_are_returned_for_the_verifier_to_explain(server):
    Handler.routes["/gone"] = send(410, b'{"revoked": true}')
    fetch = SafeFetcher(allow_loopback_ports=frozenset({server}))
    assert fetch(f"http://127.0.0.1:{server}/gone")[0] == 410
    assert fetch(f"http://127.0.0.1:{server}/missing")[0] == 404


def test_the_allow_list_is_read_only_on_the_local_stage(monkeypatch):
    from chalicelib.config import get_settings

    monkeypatch.setenv("FETCH_ALLOW_LOOPBACK_PORTS", "8000, 5005")
    for stage, expected in (("local", {8000, 5005}), ("prod", set())):
        monkeypatch.setenv("STAGE", stage)
        get_settings.cache_clear()
        fetching.loopback_ports.cache_clear()
        assert fetching.loopback_ports() == expected
    get_settings.cache_clear()
    fetching.loopback_ports.cache_clear()


# --- the absolute deadline: every read, the handshake and the name lookup share it ----------------------

DEADLINE = 1.0  # the fetcher's timeout in these tests
DRIBBLE_FOR = 6.0  # how long each server below would keep a fetch waiting if it were let


@pytest.fixture
def dribbler():
    """A raw TCP server on 127.0.0.1 that sends `opening` and then one byte of `trickle` every 0.3 s."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    plan: dict = {"opening": b"", "trickle": b""}

    def serve():
        try:
            conn, _ = listener.accept()
            if plan.get("tls"):
                conn = plan["tls"].wrap_socket(conn, server_side=True)
        except OSError:
            return
        with conn:
            if plan["opening"]:
                conn.recv(65536)  # the request
                conn.sendall(plan["opening"])
            started = time.monotonic()
            for byte in plan["trickle"]:
                if stop.wait(0.3) or time.monotonic() - started > DRIBBLE_FOR:
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def start(opening: bytes, trickle: bytes, tls: ssl.SSLContext | None = None) -> int:
        plan.update(opening=opening, trickle=trickle, tls=tls)
        threading.Thread(target=serve, daemon=True).start()
        return listener.getsockname()[1]

    yield start
    stop.set()
    listener.close()


def fetched_within_deadline(url: str, port: int, **kwargs) -> float:
    """Fetch url expecting the deadline's FetchError; the seconds it took."""
    fetch = SafeFetcher(allow_loopback_ports=frozenset({port}), timeout=DEADLINE, **kwargs)
    started = time.monotonic()
    with pytest.raises(FetchError, match=f"did not answer within {DEADLINE:g} seconds"):
        fetch(url)
    return time.monotonic() - started


def test_a_server_dribbling_header_bytes_is_cut_off_at_the_deadline(dribbler):
    port = dribbler(b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 100)
    assert fetched_within_deadline(f"http://127.0.0.1:{port}/", port) < DRIBBLE_FOR / 2


def test_a_server_dribbling_a_chunked_body_is_cut_off_at_the_deadline(dribbler):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    port = dribbler(head, b"0" * 100)  # a chunk-size line that never ends
    assert fetched_within_deadline(f"http://127.0.0.1:{port}/", port) < DRIBBLE_FOR / 2


def test_a_server_dribbling_body_bytes_is_cut_off_at_the_deadline(dribbler):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    port = dribbler(head, b" " * 100)
    assert fetched_within_deadline(f"http://127.0.0.1:{port}/", port) < DRIBBLE_FOR / 2


def test_a_slow_tls_handshake_is_cut_off_at_the_deadline(dribbler):
    port = dribbler(b"", b"\x16\x03\x03" + b"\x00" * 100)  # a TLS record header, then nothing useful
    assert fetched_within_deadline(f"https://127.0.0.1:{port}/", port) < DRIBBLE_FOR / 2


def test_a_slow_name_lookup_is_cut_off_at_the_deadline(server):
    Handler.routes["/a"] = send(200, b"{}")

    def slow_dns(*args, **kwargs):
        time.sleep(DRIBBLE_FOR / 2)
        return resolving_to("127.0.0.1")(*args, **kwargs)

    took = fetched_within_deadline(f"http://badges.test:{server}/a", server, resolver=slow_dns)
    assert took < DRIBBLE_FOR / 2
    assert Handler.seen == []  # the answer that came too late was not used


@pytest.fixture
def tls_pair(tmp_path, monkeypatch):
    """A server TLS context for 127.0.0.1 whose self-signed certificate the fetcher is made to trust."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder(subject_name=name, issuer_name=name, public_key=key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = fetching._tls_context.__wrapped__()
    client.load_verify_locations(cert_file)
    monkeypatch.setattr(fetching, "_tls_context", lambda: client)
    return server


def test_https_is_fetched_and_its_records_keep_the_deadline(dribbler, tls_pair):
    body = b'{"id": "a"}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
    port = dribbler(head + body, b"", tls=tls_pair)
    fetch = SafeFetcher(allow_loopback_ports=frozenset({port}), timeout=DEADLINE)
    assert fetch(f"https://127.0.0.1:{port}/") == (200, "application/json", body)


def test_a_server_dribbling_header_bytes_over_tls_is_cut_off_at_the_deadline(dribbler, tls_pair):
    port = dribbler(b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"a" * 100, tls=tls_pair)
    assert fetched_within_deadline(f"https://127.0.0.1:{port}/", port) < DRIBBLE_FOR / 2


def test_all_fetches_of_one_verification_share_one_budget(server):
    def slow(handler):
        time.sleep(0.6)
        with contextlib.suppress(BrokenPipeError):  # the fetch that ran out of budget has gone
            send(200, b"{}")(handler)

    Handler.routes["/slow"] = slow
    fetch = SafeFetcher(allow_loopback_ports=frozenset({server}), timeout=DEADLINE, budget=1.5)
    url = f"http://127.0.0.1:{server}/slow"
    assert fetch(url)[0] == fetch(url)[0] == 200  # each within its own 1 s, 1.2 s of the budget
    with pytest.raises(FetchError, match="did not answer"):
        fetch(url)  # 0.3 s of budget left


def test_a_server_flooding_interim_responses_is_cut_off_by_size():
    """Endless "100 Continue" answers are no body, yet every byte of them is read and parsed."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def flood():
        conn, _ = listener.accept()
        with conn, contextlib.suppress(OSError):
            conn.recv(65536)
            for _ in range(100_000):  # 2.6 MB, well within the deadline
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    threading.Thread(target=flood, daemon=True).start()
    fetch = SafeFetcher(allow_loopback_ports=frozenset({port}), max_bytes=2048)
    try:
        with pytest.raises(FetchError, match="sends more than Laurel reads"):
            fetch(f"http://127.0.0.1:{port}/")
    finally:
        listener.close()
