"""Offline JSON-LD contexts: the bundled copies, looked up by URL; nothing is ever fetched."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
OPENBADGES_V2 = "https://w3id.org/openbadges/v2"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"

_DIR = Path(__file__).parent / "contexts"
_FILES = {
    CREDENTIALS_V2: "credentials-v2.json",
    OB_V3P0: "ob-v3p0-3.0.3.json",
    DATA_INTEGRITY_V2: "data-integrity-v2.json",
    OPENBADGES_V2: "openbadges-v2.json",
    DID_V1: "did-v1.json",  # with MULTIKEY_V1: an issuer's controller document (its Ed25519 keys)
    MULTIKEY_V1: "multikey-v1.json",
}
# Other spellings of the same documents seen in published credentials and badges.
ALIASES = {
    "https://www.w3.org/ns/credentials/v2/": CREDENTIALS_V2,
    "https://w3id.org/security/data-integrity/v2/": DATA_INTEGRITY_V2,
    "https://w3id.org/openbadges/v2/": OPENBADGES_V2,
    "https://openbadgespec.org/v2/context.json": OPENBADGES_V2,
}
KNOWN_URLS = frozenset(_FILES) | frozenset(ALIASES)


class UnknownContextError(ValueError):
    """A JSON-LD context URL with no bundled copy; it is never fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(f"JSON-LD context {url!r} is not bundled, and contexts are never fetched")
        self.url = url


@cache
def _load(url: str) -> dict:
    """The bundled document for a canonical context URL, read once."""
    return json.loads((_DIR / _FILES[url]).read_text(encoding="utf-8"))


def context_document(url: str) -> dict:
    """A fresh copy of the bundled context document ({"@context": …}) for a URL or one of its aliases."""
    canonical = ALIASES.get(url, url)
    if canonical not in _FILES:
        raise UnknownContextError(url)
    return copy.deepcopy(_load(canonical))


@cache
def _frozen(url: str) -> Any:
    """The bundled document for a canonical context URL with every object frozen, shared by all callers."""
    from frozendict import frozendict  # PyLD's own dependency; a dict subclass PyLD accepts everywhere

    def freeze(value: Any) -> Any:
        if isinstance(value, dict):
            return frozendict({k: freeze(v) for k, v in value.items()})
        return [freeze(v) for v in value] if isinstance(value, list) else value

    return freeze(_load(url))


def document_loader(url: str, options: Any = None) -> dict:
    """A PyLD document loader over the bundled contexts: frozen, shared, tagged static for PyLD's cache."""
    canonical = ALIASES.get(url, url)
    if canonical not in _FILES:
        raise UnknownContextError(url)
    return {"contextUrl": None, "documentUrl": url, "document": _frozen(canonical), "tag": "static"}


def inline_contexts(document: dict) -> dict:
    """A copy of a document with each @context URL replaced by its bundled context object."""
    contexts = document.get("@context", [])
    listed = contexts if isinstance(contexts, list) else [contexts]
    inlined = [context_document(c)["@context"] if isinstance(c, str) else c for c in listed]
    return {**document, "@context": inlined}
