"""Proofs: OB 2.0 signed assertions as compact RS256 JWS (OB 3.0 Data Integrity proofs go below)."""

from __future__ import annotations

import json
from typing import Any

ALGORITHM = "RS256"


class ProofError(ValueError):
    """A signature or token that does not verify."""


# --- OB 2.0: compact JWS, RS256 ----------------------------------------------------------------------


def rsa_key_pems(key: Any) -> tuple[str, str]:
    """An RSA private key (cryptography's; the caller draws it, so this module draws no randomness) as
    (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    from cryptography.hazmat.primitives import serialization

    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem.decode("ascii"), public_pem.decode("ascii")


def sign_jws(payload: dict, private_pem: str) -> str:
    """A compact RS256 JWS whose payload is the compact JSON of the document."""
    from joserfc import jws
    from joserfc.jwk import RSAKey

    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return jws.serialize_compact({"alg": ALGORITHM}, data, RSAKey.import_key(private_pem))


def verify_jws(token: str, public_pem: str) -> dict[str, Any]:
    """The JSON object signed in a compact RS256 JWS; ProofError unless the signature checks out."""
    from joserfc import jws
    from joserfc.errors import JoseError
    from joserfc.jwk import RSAKey

    try:
        key = RSAKey.import_key(public_pem)
    except (JoseError, ValueError, TypeError) as exc:
        raise ProofError("public key is not a valid RSA PEM") from exc
    try:
        signed = jws.deserialize_compact(token, key, algorithms=[ALGORITHM])
        payload = json.loads(signed.payload)
    except (JoseError, ValueError, TypeError) as exc:
        raise ProofError("signature does not verify") from exc
    if signed.protected.get("alg") != ALGORITHM or not isinstance(payload, dict):
        raise ProofError("signature does not verify")
    return payload


# --- OB 3.0: DataIntegrityProof, eddsa-rdfc-2022 -----------------------------------------------------
# Lives in its own module part (canonicalisation, Multikey, proofValue); added with the OB 3.0 work.
