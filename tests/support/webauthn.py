"""A software passkey authenticator for in-process and HTTP tests: an ES256 key (cryptography) per
credential, CBOR by cbor2. It answers the server's options JSON with what a browser's `toJSON()` sends:
"none" attestation on registration, signed assertions on sign-in, flags UP and UV, a sign count, the
rpIdHash, origin and challenge of the options. Each of those can be broken on purpose::

    device = Authenticator(origin="https://badges.example")
    response = device.create(options)                     # a registration response (dict)
    assertion = device.get(options, uv=False)             # user not verified
    assertion = device.get(options, origin="https://evil.example", count=0)

and, for rule tests on the memory store, a passwordless account (`passwordless_account`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40
ORIGIN = "https://badges.example"  # PUBLIC_BASE_URL of the tests (tests/conftest.py)
BROWSER, OTHER_BROWSER = "b" * 64, "c" * 64  # SHA-256 hex of two browsers' flow cookies
AAGUID = bytes(16)  # "none" attestation: the authenticator's model is not told


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Credential:
    """One discoverable credential the authenticator holds."""

    id: bytes
    key: Any  # ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    count: int = 0

    @property
    def id_b64(self) -> str:
        return b64url(self.id)

    def cose_key(self) -> bytes:
        import cbor2

        numbers = self.key.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: x, -3: y})  # EC2, ES256, P-256


class Authenticator:
    """A platform authenticator with user verification; holds its credentials like a phone does."""

    def __init__(self, origin: str = ORIGIN):
        self.origin = origin
        self.credentials: list[Credential] = []

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False}
        return json.dumps(data, separators=(",", ":")).encode()

    @staticmethod
    def _auth_data(rp_id: str, flags: int, count: int, attested: bytes = b"") -> bytes:
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", count) + attested

    def create(
        self,
        options: dict,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        challenge: str | None = None,
        uv: bool = True,
        up: bool = True,
        count: int = 0,
        keep: bool = True,
    ) -> dict:
        """navigator.credentials.create(): a new credential for options["rp"]["id"] and options["user"]["id"];
        the registration response as `PublicKeyCredential.toJSON()` gives it."""
        import cbor2
        from cryptography.hazmat.primitives.asymmetric import ec

        rp = rp_id or options["rp"]["id"]
        credential = Credential(
            os.urandom(32), ec.generate_private_key(ec.SECP256R1()), rp, unb64url(options["user"]["id"])
        )
        credential.count = count
        if keep:
            self.credentials.append(credential)
        flags = (UP if up else 0) | (UV if uv else 0) | AT
        attested = AAGUID + struct.pack(">H", len(credential.id)) + credential.id + credential.cose_key()
        auth_data = self._auth_data(rp, flags, count, attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", challenge or options["challenge"], origin)
        return {
            "id": credential.id_b64,
            "rawId": credential.id_b64,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
        }

    def get(
        self,
        options: dict,
        *,
        credential: Credential | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        challenge: str | None = None,
        uv: bool = True,
        up: bool = True,
        count: int | None = None,
        user_handle: bytes | None = None,
    ) -> dict:
        """navigator.credentials.get(): an assertion by `credential` (default: the newest one for the
        options' rpId), its sign count moved on by one unless `count` is given."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        rp = rp_id or options.get("rpId") or urlsplit(self.origin).hostname
        if credential is None:
            credential = [c for c in self.credentials if c.rp_id == (options.get("rpId") or rp)][-1]
        credential.count = credential.count + 1 if count is None else count
        flags = (UP if up else 0) | (UV if uv else 0)
        auth_data = self._auth_data(rp, flags, credential.count)
        client_data = self._client_data("webauthn.get", challenge or options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = credential.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        handle = credential.user_handle if user_handle is None else user_handle
        return {
            "id": credential.id_b64,
            "rawId": credential.id_b64,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(handle),
            },
        }


def passwordless_account(store, email: str):
    """An open account whose address is verified and that has no password (it signs in with passkeys)."""
    from chalicelib.services.shared import ids
    from chalicelib.store.accounts import Account

    at = ids.now()
    account = Account(
        id=ids.new_id(),
        first_name="Ada",
        last_name="Lovelace",
        password_hash=None,
        primary_email=email,
        created_at=at,
        updated_at=at,
    )
    store.accounts.create_verified(account, email, holder=None)
    return store.accounts.get(account.id)
