"""store/openid.py, the OpenID provider over HTTP(S): every call bounded in time and size, https only (a
development stage may reach allowed loopback ports), no redirects, keys kept and refetched sparingly."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chalicelib.store import openid
from chalicelib.store.openid import CodeRefused, OpenIdOverHttps, ProviderUnreachable


class Provider(BaseHTTPRequestHandler):
    routes: dict = {}
    hits: list = []

    def log_message(self, *args):
        pass

    def _answer(self):
        self.hits.append((self.command, self.path, self.headers.get("Authorization")))
        status, body, delay = self.routes.get(self.path, (404, b"{}", 0))
        time.sleep(delay)
        self.send_response(status)
        if status in (301, 302):
            self.send_header("Location", "/elsewhere")  # a key set a redirect would find
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client that gave up
            self.wfile.write(body)

    do_GET = do_POST = _answer


@pytest.fixture(scope="module")
def port():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def provider(monkeypatch, port):
    from chalicelib.config import get_settings

    monkeypatch.setenv("FETCH_ALLOW_LOOPBACK_PORTS", str(port))
    get_settings.cache_clear()
    openid.loopback_ports.cache_clear()
    base = f"http://127.0.0.1:{port}"
    Provider.routes, Provider.hits = {}, []
    Provider.routes["/.well-known/openid-configuration"] = (200, discovery(base), 0)
    yield base
    monkeypatch.delenv("FETCH_ALLOW_LOOPBACK_PORTS")
    get_settings.cache_clear()
    openid.loopback_ports.cache_clear()


def discovery(base: str, **changes) -> bytes:
    doc = {
        "issuer": base,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "jwks_uri": f"{base}/jwks",
    }
    return json.dumps({**doc, **changes}).encode()


def test_discovery_is_read_and_kept(provider):
    adapter = OpenIdOverHttps()
    assert adapter.metadata(provider)["token_endpoint"] == f"{provider}/token"
    adapter.metadata(provider)
    assert len(Provider.hits) == 1


def test_only_https_or_an_allowed_loopback_port_of_a_development_stage(provider, monkeypatch):
    from chalicelib.config import get_settings

    assert openid.allowed("https://accounts.google.com/x")
    assert openid.allowed(f"{provider}/x")
    assert not openid.allowed("http://accounts.google.com/x")
    assert not openid.allowed("http://127.0.0.1:1/x")  # a port not allowed
    assert not openid.allowed("https://user:pw@accounts.google.com/x")
    assert not openid.allowed("ftp://accounts.google.com/x")
    monkeypatch.setenv("STAGE", "prod")
    get_settings.cache_clear()
    openid.loopback_ports.cache_clear()
    try:
        assert not openid.allowed(f"{provider}/x")  # a deployed stage never reaches loopback
        with pytest.raises(ProviderUnreachable):
            OpenIdOverHttps().metadata(provider)
        assert Provider.hits == []
    finally:
        monkeypatch.setenv("STAGE", "test")
        get_settings.cache_clear()
        openid.loopback_ports.cache_clear()


def test_endpoints_the_document_names_must_be_allowed_too(provider):
    Provider.routes["/.well-known/openid-configuration"] = (
        200,
        discovery(provider, jwks_uri="http://evil/k"),
        0,
    )
    with pytest.raises(ProviderUnreachable):
        OpenIdOverHttps().metadata(provider)


def test_a_body_over_256_kb_is_cut(provider):
    Provider.routes["/jwks"] = (200, b'{"keys": [' + b" " * (openid.MAX_BYTES + 10) + b"]}", 0)
    with pytest.raises(ProviderUnreachable):
        OpenIdOverHttps().jwks(f"{provider}/jwks")


def test_a_slow_provider_is_given_up_on(provider, monkeypatch):
    monkeypatch.setattr(openid, "TIMEOUT_SECONDS", 0.3)
    Provider.routes["/jwks"] = (200, b'{"keys": []}', 1.0)
    started = time.monotonic()
    with pytest.raises(ProviderUnreachable):
        OpenIdOverHttps().jwks(f"{provider}/jwks")
    assert time.monotonic() - started < 1.0


def test_redirects_are_not_followed(provider):
    Provider.routes["/jwks"] = (302, b"", 0)
    Provider.routes["/elsewhere"] = (200, b'{"keys": []}', 0)
    with pytest.raises(ProviderUnreachable):
        OpenIdOverHttps().jwks(f"{provider}/jwks")


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"keys": "x"}'])
def test_an_answer_that_is_not_a_key_set_is_refused(provider, body):
    Provider.routes["/jwks"] = (200, body, 0)
    with pytest.raises(ProviderUnreachable):
        OpenIdOverHttps().jwks(f"{provider}/jwks")


def test_keys_are_kept_and_fetched_again_at_most_once_a_minute(provider, monkeypatch):
    Provider.routes["/jwks"] = (200, b'{"keys": []}', 0)
    adapter, uri = OpenIdOverHttps(), f"{provider}/jwks"
    adapter.jwks(uri)
    adapter.jwks(uri)
    adapter.jwks(uri, refresh=True)  # an unknown kid right after a fetch: no second fetch yet
    assert len(Provider.hits) == 1
    later = time.monotonic() + openid.REFRESH_SECONDS + 1
    monkeypatch.setattr(openid.time, "monotonic", lambda: later)
    adapter.jwks(uri)
    assert len(Provider.hits) == 1  # kept for the hour
    adapter.jwks(uri, refresh=True)
    assert len(Provider.hits) == 2


def test_the_token_exchange_posts_the_code_with_basic_auth(provider):
    Provider.routes["/token"] = (200, b'{"id_token": "x.y.z"}', 0)
    answer = OpenIdOverHttps().exchange(f"{provider}/token", {"code": "c"}, auth=("client", "secret"))
    assert answer == {"id_token": "x.y.z"}
    method, path, authorization = Provider.hits[-1]
    assert method == "POST" and path == "/token" and authorization.startswith("Basic ")


@pytest.mark.parametrize("status", [400, 401])
def test_a_refused_code_is_a_refusal_not_an_outage(provider, status):
    Provider.routes["/token"] = (status, b'{"error": "invalid_grant"}', 0)
    with pytest.raises(CodeRefused):
        OpenIdOverHttps().exchange(f"{provider}/token", {"code": "c"}, auth=None)
    Provider.routes["/token"] = (503, b"{}", 0)
    with pytest.raises(ProviderUnreachable):
        OpenIdOverHttps().exchange(f"{provider}/token", {"code": "c"}, auth=None)
