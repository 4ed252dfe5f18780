"""The parts besides DynamoDB that services use, as Protocols; the real ones are the modules
store/mail.py (SES), store/queue.py (SQS), store/bucket.py (S3), store/keys.py (KMS), store/secrets.py
(SSM Parameter Store, Secrets Manager) and store/openid.py (OpenID Connect providers over HTTPS)."""

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


class Secrets(Protocol):
    def get(self, name: str) -> str:
        """The secret's value: an SSM parameter (a name starting "/") or a Secrets Manager secret (an
        ARN), decrypted, cached for a few minutes; ConfigError when it cannot be read."""
        ...


class OpenIdProviders(Protocol):
    """An OpenID Connect provider over HTTPS, every call bounded in time and size."""

    def metadata(self, issuer: str) -> dict:
        """The issuer's discovery document (/.well-known/openid-configuration), cached."""
        ...

    def jwks(self, uri: str, *, refresh: bool = False) -> dict:
        """The provider's signing keys (a JWK Set), cached; `refresh` fetches anew (an unknown kid)."""
        ...

    def exchange(self, token_endpoint: str, form: dict[str, str], *, auth: tuple[str, str] | None) -> dict:
        """POST the authorization code (with its PKCE verifier) to the token endpoint; the token response.
        `auth`: client id and secret sent as HTTP Basic (client_secret_basic), else they are in `form`."""
        ...
