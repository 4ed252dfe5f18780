"""Envelope encryption with KMS: private keys are never stored in plaintext."""

from __future__ import annotations

import os
from functools import lru_cache

from chalicelib.config import get_settings
from chalicelib.store.aws import client


def seal(plaintext: bytes) -> tuple[bytes, bytes]:
    """Encrypt with a fresh KMS data key; returns (encrypted data key, nonce + AES-GCM ciphertext)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data_key = client("kms").generate_data_key(KeyId=get_settings().kms_key, KeySpec="AES_256")
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(data_key["Plaintext"]).encrypt(nonce, plaintext, b"laurel-signing-key")
    return data_key["CiphertextBlob"], sealed


@lru_cache(maxsize=64)
def unseal(encrypted_key: bytes, sealed: bytes) -> bytes:
    """Decrypt what seal() produced; cached per warm Lambda so signing costs no KMS call after the first."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data_key = client("kms").decrypt(CiphertextBlob=encrypted_key)["Plaintext"]
    return AESGCM(data_key).decrypt(sealed[:12], sealed[12:], b"laurel-signing-key")
