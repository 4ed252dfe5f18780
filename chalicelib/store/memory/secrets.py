"""Secrets in memory: a dict a test fills (store.secrets.values["/laurel/test/google"] = "...")."""

from __future__ import annotations

from chalicelib.config import ConfigError


class MemorySecrets:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str:
        if name not in self.values:
            raise ConfigError(f"No secret {name!r}.")
        return self.values[name]
