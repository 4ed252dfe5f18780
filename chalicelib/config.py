"""Settings, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


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

    @property
    def is_local(self) -> bool:
        return self.stage in ("local", "test")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ.get
    return Settings(
        stage=env("STAGE", "local"),
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
    )
