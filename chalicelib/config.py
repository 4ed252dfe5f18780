"""Settings, read once from the environment: the only module that reads it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

# The only stages with development conveniences (outbox page, development unsubscribe secret, the
# verifier fetching this app's own loopback port). Every other stage name is a deployed stage.
DEVELOPMENT_STAGES = ("local", "test")


class ConfigError(RuntimeError):
    """The environment cannot run the app safely."""


@dataclass(frozen=True)
class Settings:
    stage: str
    public_base_url: str
    accounts_table: str
    badges_table: str
    assertions_table: str
    bucket: str
    mail_queue: str
    sender: str
    kms_key: str
    award_notice_template: str
    claim_token_days: int
    region: str = "us-east-1"
    aws_endpoint_url: str | None = None  # moto's server locally; None on AWS
    fetch_allow_loopback_ports: frozenset[int] = frozenset()  # honoured only on development stages
    # Sign in your way (issue 11). OIDC_PROVIDERS: JSON list of providers (services/earners/providers.py
    # reads it); client secrets are named there as SSM parameters or Secrets Manager ARNs, never given.
    oidc_providers: str = ""
    altcha_cost: int = 50_000  # ALTCHA's cost: PBKDF2 iterations per try (about 40 tries a form: ~1 s)
    altcha_secret_parameter: str = ""  # the challenge's HMAC key: an SSM parameter or a secret's ARN

    @property
    def is_local(self) -> bool:
        return self.stage in DEVELOPMENT_STAGES


def _stage(value: str | None) -> str:
    """STAGE must be set: a missing one must not quietly mean "local" (it would open the outbox)."""
    if not value or not value.strip():
        raise ConfigError(
            "STAGE is not set: use local or test for development, or the deployed stage's name."
        )
    return value.strip()


def _ports(value: str) -> frozenset[int]:
    """ "8000, 5005" -> {8000, 5005}; anything not a number is ignored."""
    return frozenset(int(p) for p in value.replace(",", " ").split() if p.isdigit())


def unsubscribe_secret() -> str:
    """UNSUBSCRIBE_SECRET ("" when unset), read when used: a secret is kept out of Settings and its repr."""
    return os.environ.get("UNSUBSCRIBE_SECRET", "")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ.get
    return Settings(
        stage=_stage(env("STAGE")),
        public_base_url=env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        accounts_table=env("ACCOUNTS_TABLE", "laurel-accounts"),
        badges_table=env("BADGES_TABLE", "laurel-badges"),
        assertions_table=env("ASSERTIONS_TABLE", "laurel-assertions"),
        bucket=env("BUCKET", "laurel-images"),
        mail_queue=env("MAIL_QUEUE", "laurel-mail"),
        sender=env("SENDER_EMAIL", "badges@laurel.example"),
        kms_key=env("KMS_KEY_ID", "alias/laurel"),
        award_notice_template=env("AWARD_NOTICE_TEMPLATE", "laurel-award-notice"),
        claim_token_days=int(env("CLAIM_TOKEN_DAYS", "60")),
        region=env("AWS_DEFAULT_REGION", "us-east-1"),
        aws_endpoint_url=env("AWS_ENDPOINT_URL") or None,
        fetch_allow_loopback_ports=_ports(env("FETCH_ALLOW_LOOPBACK_PORTS", "")),
        oidc_providers=env("OIDC_PROVIDERS", ""),
        altcha_cost=int(env("ALTCHA_COST", "50000")),
        altcha_secret_parameter=env("ALTCHA_SECRET_PARAMETER", ""),
    )
