from __future__ import annotations

import base64
import json

import pytest

from chalicelib.openbadges.proofs import ProofError, rsa_key_pems, sign_jws, verify_jws
from chalicelib.services.hosting.signing import new_rsa_key

PAYLOAD = {
    "@context": "https://w3id.org/openbadges/v2",
    "type": "Assertion",
    "id": "urn:uuid:1",
    "name": "Zoë",
}


@pytest.fixture(scope="module")
def keys():
    return rsa_key_pems(new_rsa_key())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_generated_key_is_pkcs8_and_spki_pem(keys):
    private_pem, public_pem = keys
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")


def test_generated_key_is_2048_bits(keys):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    assert load_pem_public_key(keys[1].encode()).key_size == 2048


def test_sign_then_verify_returns_payload(keys):
    token = sign_jws(PAYLOAD, keys[0])
    assert verify_jws(token, keys[1]) == PAYLOAD


def test_token_is_compact_rs256_with_compact_json_payload(keys):
    header, payload, signature = sign_jws(PAYLOAD, keys[0]).split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "RS256"}
    assert base64.urlsafe_b64decode(payload + "==") == json.dumps(
        PAYLOAD, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    assert signature


def test_tampered_payload_is_rejected(keys):
    header, _, signature = sign_jws(PAYLOAD, keys[0]).split(".")
    forged = _b64(json.dumps({**PAYLOAD, "id": "urn:uuid:2"}, separators=(",", ":")).encode())
    with pytest.raises(ProofError):
        verify_jws(f"{header}.{forged}.{signature}", keys[1])


def test_signature_from_another_key_is_rejected(keys):
    other_private, _ = rsa_key_pems(new_rsa_key())
    with pytest.raises(ProofError):
        verify_jws(sign_jws(PAYLOAD, other_private), keys[1])


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b", "a.b.c.d", "..."])
def test_malformed_token_is_rejected(keys, token):
    with pytest.raises(ProofError):
        verify_jws(token, keys[1])


def test_alg_none_is_rejected(keys):
    unsigned = _b64(b'{"alg":"none"}') + "." + _b64(json.dumps(PAYLOAD).encode()) + "."
    with pytest.raises(ProofError):
        verify_jws(unsigned, keys[1])


def test_hs256_signed_with_the_public_key_is_rejected(keys):
    import hashlib
    import hmac

    signing_input = _b64(b'{"alg":"HS256"}') + "." + _b64(json.dumps(PAYLOAD).encode())
    mac = hmac.new(keys[1].encode(), signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(ProofError):
        verify_jws(signing_input + "." + _b64(mac), keys[1])


def test_payload_that_is_not_an_object_is_rejected(keys):
    from joserfc import jws
    from joserfc.jwk import RSAKey

    token = jws.serialize_compact({"alg": "RS256"}, "[1,2]", RSAKey.import_key(keys[0]))
    with pytest.raises(ProofError):
        verify_jws(token, keys[1])


def test_invalid_public_key_is_a_proof_error(keys):
    with pytest.raises(ProofError):
        verify_jws(sign_jws(PAYLOAD, keys[0]), "not a pem")
