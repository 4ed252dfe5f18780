"""The AWS parts besides DynamoDB that services use, as Protocols; the real ones are the modules
store/mail.py (SES), store/queue.py (SQS), store/bucket.py (S3) and store/keys.py (KMS)."""

from __future__ import annotations

from typing import Protocol


class Mail(Protocol):
    def send_email(self, to: str, subject: str, html: str, text: str) -> str: ...

    def send_templated(self, to: str, template: str, data: dict) -> str: ...

    def send_bulk(
        self, template: str, default_data: dict, destinations: list[tuple[str, dict]]
    ) -> list[str | None]: ...

    # The local outbox reads back what was sent (development stages only).
    def outbox(self) -> list[dict]: ...

    def template(self, name: str) -> dict | None: ...


class Queue(Protocol):
    def send(self, messages: list[dict]) -> None: ...


class Images(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, keys: list[str]) -> None: ...


class Keys(Protocol):
    def seal(self, plaintext: bytes) -> tuple[bytes, bytes]: ...

    def unseal(self, encrypted_key: bytes, sealed: bytes) -> bytes: ...
