"""Evidence of an award: one typed value that both the OB 2.0 and OB 3.0 builders read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Evidence:
    """A URL where the work can be seen, a narrative about it, or both (OB 2.0/3.0 map the URL to `id`)."""

    url: str | None = None
    narrative: str | None = None

    @classmethod
    def from_stored(cls, value: Mapping[str, Any]) -> Evidence:
        """Evidence as the API takes and the store keeps it: {url?, narrative?}."""
        return cls(url=value.get("url") or None, narrative=value.get("narrative") or None)

    def stored(self) -> dict[str, str]:
        """As the API answers and the store keeps it: {url?, narrative?}, nulls left out."""
        return {k: v for k, v in (("url", self.url), ("narrative", self.narrative)) if v}

    def fields(self) -> dict[str, str]:
        """The JSON-LD properties both versions share: `id` (the URL) and `narrative`, nulls left out."""
        return {k: v for k, v in (("id", self.url), ("narrative", self.narrative)) if v}


def stored_evidence(values: Iterable[Any] | None) -> list[Evidence]:
    """The award's evidence as Evidence values: stored objects read, Evidence kept, anything else skipped."""
    return [
        v if isinstance(v, Evidence) else Evidence.from_stored(v)
        for v in values or ()
        if isinstance(v, Evidence | Mapping)
    ]
