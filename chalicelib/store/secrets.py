"""Secrets read at run time (OpenID client secrets, the proof-of-work key): an SSM parameter (a name
starting "/", a SecureString decrypted) or a Secrets Manager secret (its ARN). Kept for 5 minutes per
Lambda container, so a rotated value is picked up without a deploy and a warm request costs no call."""

from __future__ import annotations

import time

from chalicelib.config import ConfigError
from chalicelib.store.aws import client

KEEP_SECONDS = 300
_kept: dict[str, tuple[float, str]] = {}


def get(name: str) -> str:
    """The secret's value; ConfigError when `name` is neither kind (AWS errors pass through)."""
    now = time.monotonic()
    kept = _kept.get(name)
    if kept and now - kept[0] < KEEP_SECONDS:
        return kept[1]
    value = _read(name)
    _kept[name] = (now, value)
    return value


def forget() -> None:
    """Read every secret anew (tests that put a new value)."""
    _kept.clear()


def _read(name: str) -> str:
    if name.startswith("/"):
        return client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    if name.startswith("arn:aws:secretsmanager:"):
        return client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
    raise ConfigError(f"{name!r} is neither an SSM parameter name (/...) nor a Secrets Manager ARN.")
