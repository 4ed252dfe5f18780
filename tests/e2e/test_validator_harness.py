"""The offline 1EdTech validator harness works, on hand-written Open Badges 2.0 fixtures.

A tiny http.server on 127.0.0.1 serves an Issuer, a BadgeClass, hosted Assertions, a signing key
and a revocation list; the validator (in .venv-validator, built on demand) must accept the good
ones and reject the bad ones.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.support import validator
from tests.support.issuing import png
from tests.support.validator import errors, validate

OB2 = "https://w3id.org/openbadges/v2"
RECIPIENT = "alice@example.org"
SALT = "d8f1c2"
GREEN = "#2e7d32"  # the badge image: an 8 x 8 PNG or SVG of this colour


def hashed_identity(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bake_png(image: bytes, text: str) -> bytes:
    """Insert one uncompressed iTXt 'openbadges' chunk before IEND."""
    itxt = _chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + text.encode())
    iend = image.rindex(b"IEND") - 4
    return image[:iend] + itxt + image[iend:]


def bake_svg_hosted(assertion: dict) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" '
        'width="8" height="8">'
        f'<openbadges:assertion verify="{assertion["id"]}"><![CDATA[{json.dumps(assertion)}]]>'
        f'</openbadges:assertion><rect width="8" height="8" fill="{GREEN}"/></svg>'
    ).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_rs256(payload: dict, key: rsa.RSAPrivateKey) -> str:
    signing_input = b64url(json.dumps({"alg": "RS256"}).encode()) + "." + b64url(json.dumps(payload).encode())
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url(signature)


class FixtureServer:
    """Serves path -> (status, content type, body) from a dict, on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, content_type, body = routes.get(self.path, (404, "text/plain", b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def json(self, path: str, doc: dict, status: int = 200) -> str:
        self.routes[path] = (status, "application/ld+json", json.dumps(doc).encode())
        return self.base + path

    def raw(self, path: str, body: bytes, content_type: str) -> str:
        self.routes[path] = (200, content_type, body)
        return self.base + path


class Badges:
    """One issuer with one badge class, a signing key and a revocation list, all on the server."""

    def __init__(self, server: FixtureServer) -> None:
        self.server = server
        base = server.base
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.issuer_id = f"{base}/issuer"
        self.key_id = f"{base}/keys/1"
        self.revocations_id = f"{base}/revocations"
        self.badge_id = f"{base}/badges/1"
        self.revoked: list[str] = []
        server.json(
            "/issuer",
            {
                "@context": OB2,
                "id": self.issuer_id,
                "type": "Issuer",
                "name": "Laurel Test Academy",
                "url": base,
                "email": "badges@example.org",
                "publicKey": self.key_id,
                "revocationList": self.revocations_id,
            },
        )
        server.json(
            "/keys/1",
            {
                "@context": OB2,
                "id": self.key_id,
                "type": "CryptographicKey",
                "owner": self.issuer_id,
                "publicKeyPem": self.key.public_key()
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
                .decode(),
            },
        )
        server.raw("/images/badge.png", png(GREEN, 8), "image/png")
        server.json(
            "/badges/1",
            {
                "@context": OB2,
                "id": self.badge_id,
                "type": "BadgeClass",
                "name": "Harness Tester",
                "description": "Proved the validator harness works.",
                "image": f"{base}/images/badge.png",
                "criteria": {"narrative": "Run the harness test."},
                "issuer": self.issuer_id,
            },
        )
        self.publish_revocations()

    def assertion(self, assertion_id: str, **extra) -> dict:
        return {
            "@context": OB2,
            "id": assertion_id,
            "type": "Assertion",
            "recipient": {
                "type": "email",
                "hashed": True,
                "salt": SALT,
                "identity": hashed_identity(RECIPIENT, SALT),
            },
            "badge": self.badge_id,
            "verification": {"type": "hosted"},
            "issuedOn": "2024-05-01T12:00:00Z",
            **extra,
        }

    def hosted(self, name: str, **extra) -> tuple[str, dict]:
        path = f"/assertions/{name}"
        doc = self.assertion(self.server.base + path, **extra)
        return self.server.json(path, doc), doc

    def signed(self, **extra) -> tuple[str, str]:
        assertion_id = f"urn:uuid:{uuid.uuid4()}"
        doc = self.assertion(assertion_id, verification={"type": "signed", "creator": self.key_id}, **extra)
        return assertion_id, sign_rs256(doc, self.key)

    def publish_revocations(self) -> None:
        self.server.json(
            "/revocations",
            {
                "@context": OB2,
                "id": self.revocations_id,
                "type": "RevocationList",
                "issuer": self.issuer_id,
                "revokedAssertions": [{"id": i, "revocationReason": "Issued in error"} for i in self.revoked],
            },
        )


@pytest.fixture(scope="session")
def validator_ready() -> None:
    validator.ensure_installed()


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    srv = FixtureServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture(scope="module")
def badges(server: FixtureServer) -> Badges:
    return Badges(server)


def test_hosted_assertion_is_valid_for_its_recipient(validator_ready, badges):
    url, _ = badges.hosted("good")
    report = validate(recipient=RECIPIENT, url=url)
    assert report["valid"] is True, errors(report)
    assert report["errorCount"] == 0


def test_hosted_assertion_is_invalid_for_another_recipient(validator_ready, badges):
    url, _ = badges.hosted("good")
    report = validate(recipient="mallory@example.org", url=url)
    assert report["valid"] is False
    assert any(m.startswith("VERIFY_RECIPIENT_IDENTIFIER") for m in errors(report)), errors(report)


def test_expired_assertion_is_invalid(validator_ready, badges):
    url, _ = badges.hosted("expired", issuedOn="2020-01-01T00:00:00Z", expires="2021-01-01T00:00:00Z")
    report = validate(recipient=RECIPIENT, url=url)
    assert report["valid"] is False
    assert any("expired" in m for m in errors(report)), errors(report)


def test_baked_png_is_valid(validator_ready, badges, tmp_path):
    _, doc = badges.hosted("baked-png")
    baked = tmp_path / "badge.png"
    baked.write_bytes(bake_png(png(GREEN, 8), json.dumps(doc)))
    report = validate(recipient=RECIPIENT, file=str(baked))
    assert report["valid"] is True, errors(report)


def test_baked_svg_with_verify_attribute_is_valid(validator_ready, badges, tmp_path):
    """The validator alone raises NotImplementedError here; the harness unbakes first."""
    _, doc = badges.hosted("baked-svg")
    baked = tmp_path / "badge.svg"
    baked.write_bytes(bake_svg_hosted(doc))
    report = validate(recipient=RECIPIENT, file=str(baked))
    assert report["valid"] is True, errors(report)


def test_image_without_badge_data_is_invalid(validator_ready, tmp_path):
    plain = tmp_path / "plain.png"
    plain.write_bytes(png(GREEN, 8))
    report = validate(recipient=RECIPIENT, file=str(plain))
    assert report["valid"] is False


def test_signed_assertion_is_valid_and_revocable(validator_ready, badges):
    assertion_id, token = badges.signed()
    report = validate(recipient=RECIPIENT, text=token)
    assert report["valid"] is True, errors(report)

    # The validator misses a list with exactly one entry (its defect), so revoke alongside another.
    other_id, _ = badges.signed()
    badges.revoked[:] = [other_id, assertion_id]
    badges.publish_revocations()
    report = validate(recipient=RECIPIENT, text=token)
    assert report["valid"] is False
    assert any(m.startswith("VERIFY_SIGNED_ASSERTION_NOT_REVOKED") for m in errors(report)), errors(report)


def test_tampered_signature_is_invalid(validator_ready, badges):
    _, token = badges.signed()
    head, payload, sig = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["issuedOn"] = "2024-06-01T12:00:00Z"
    report = validate(recipient=RECIPIENT, text=f"{head}.{b64url(json.dumps(forged).encode())}.{sig}")
    assert report["valid"] is False
    assert any(m.startswith("VERIFY_JWS") for m in errors(report)), errors(report)


def test_other_hosts_fail_fast_offline(validator_ready):
    started = time.monotonic()
    report = validate(recipient=RECIPIENT, url="https://badges.example.com/assertions/1")
    assert report["valid"] is False
    assert time.monotonic() - started < 30
