"""Baked badge images: made on first download, kept in S3 per assertion version, re-baked on re-certify."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from chalicelib.errors import NotFound
from chalicelib.openbadges import baking
from chalicelib.services.hosting import award_storage, documents
from chalicelib.services.shared import urls

if TYPE_CHECKING:
    from chalicelib.store import Store

CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def file_key(item, kind: str, version: int | None = None) -> str:
    """Where a baked file of the award's version is kept (S3 key)."""
    return f"baked/{item.id}/v{version or item.version}.{kind}"


def source_key(item, kind: str) -> str:
    """The badge class image (PNG, or SVG) the award's files are baked from."""
    return item.image_key.rsplit(".", 1)[0] + f".{kind}"


def has_svg(item) -> bool:
    return item.image_key.endswith(".svg")


def bake(item, kind: str, *, store: Store) -> bytes:
    """Bake the hosted assertion into the badge class image (no storage)."""
    source = store.images.get(source_key(item, kind))
    if source is None:
        raise NotFound("The badge image is missing.")
    document = json.dumps(documents.assertion_document(item), separators=(",", ":"))
    if kind == "png":
        return baking.bake_png(source, document)
    return baking.bake_svg(source.decode(), verify=urls.assertion_url(item.id), body=document).encode()


def image(item, kind: str, *, store: Store) -> bytes:
    """The baked PNG or SVG, from S3 when already baked for this version."""
    if kind == "svg" and not has_svg(item):
        raise NotFound("This badge has no SVG image; use baked.png.")
    data = store.images.get(file_key(item, kind))
    if data is None:
        data = bake(item, kind, store=store)
        keep(item, file_key(item, kind), data, kind, store=store)
    return data


def keep(item, key: str, data: bytes, kind: str, *, store: Store) -> None:
    """Store a baked file, then read the award again: erased meanwhile, its erase may already have
    deleted the files before this one was written, so take it back (one consistent GetItem)."""
    store.images.put(key, data, CONTENT_TYPES[kind])
    if not award_storage.still_hosted(item, store=store):
        store.images.delete([key])
        raise NotFound(f"No assertion {item.id}.")


def rebake(item, old_version: int, *, store: Store) -> None:
    """Bake the new version now and delete the old files."""
    for kind in ("png", "svg") if has_svg(item) else ("png",):
        store.images.put(file_key(item, kind), bake(item, kind, store=store), CONTENT_TYPES[kind])
    forget(item, version=old_version, store=store)


# OB 3.0 baked files: OB3_BAKED[0] since proofs name keys by their own URL; the older `ob3.*` files (proofs
# naming `controller#kid`) are never served again but still deleted with their version.
OB3_BAKED = ("ob3-keyurl", "ob3")


def forget(item, version: int | None = None, *, store: Store) -> None:
    """Delete a version's baked files, 2.0 and 3.0."""
    kinds = [k for kind in CONTENT_TYPES for k in (kind, *(f"{name}.{kind}" for name in OB3_BAKED))]
    store.images.delete([file_key(item, k, version) for k in kinds])
