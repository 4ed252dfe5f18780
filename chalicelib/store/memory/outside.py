"""In-memory mail, queue, images and keys: what a rule test reads back instead of SES, SQS, S3, KMS."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field


@dataclass
class MemoryMail:
    """Every message sent, in order: (to, subject or template, body or data)."""

    sent: list[dict] = field(default_factory=list)
    templates: dict[str, dict] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=itertools.count)

    def _keep(self, message: dict) -> str:
        message["id"] = f"memory-{next(self._ids)}"
        self.sent.append(message)
        return message["id"]

    def send_email(self, to: str, subject: str, html: str, text: str) -> str:
        return self._keep({"to": to, "subject": subject, "html": html, "text": text})

    def send_templated(self, to: str, template: str, data: dict) -> str:
        return self._keep({"to": to, "template": template, "data": data})

    def send_bulk(
        self, template: str, default_data: dict, destinations: list[tuple[str, dict]]
    ) -> list[str | None]:
        for to, data in destinations:
            self._keep({"to": to, "template": template, "data": {**default_data, **data}})
        return [None] * len(destinations)

    def outbox(self) -> list[dict]:
        return [dict(message) for message in self.sent]

    def template(self, name: str) -> dict | None:
        return self.templates.get(name)


@dataclass
class MemoryQueue:
    """Messages waiting for the worker; a test drains them into routes/workers."""

    messages: list[dict] = field(default_factory=list)

    def send(self, messages: list[dict]) -> None:
        self.messages.extend(messages)

    def drain(self) -> list[dict]:
        taken, self.messages = self.messages, []
        return taken


@dataclass
class MemoryImages:
    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (data, content_type)

    def get(self, key: str) -> bytes | None:
        found = self.objects.get(key)
        return found[0] if found else None

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.objects.pop(key, None)


class MemoryKeys:
    """Sealing without KMS: the 'encrypted key' names the test, the plaintext is kept reversed."""

    def seal(self, plaintext: bytes) -> tuple[bytes, bytes]:
        return b"memory-kms", plaintext[::-1]

    def unseal(self, encrypted_key: bytes, sealed: bytes) -> bytes:
        return sealed[::-1]
