"""Baked badge images: made on first download, kept in S3 per assertion version, re-baked on re-certify."""

from __future__ import annotations

import json

from chalicelib.errors import NotFound
from chalicelib.openbadges import baking
from chalicelib.services.hosting import documents
from chalicelib.services.shared import urls
from chalicelib.store import images
from chalicelib.store.models import AssertionItem

CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _key(item: AssertionItem, kind: str, version: int | None = None) -> str:
    return f"baked/{item.id}/v{version or item.version}.{kind}"


def _source_key(item: AssertionItem, kind: str) -> str:
    return item.image_key.rsplit(".", 1)[0] + f".{kind}"


def has_svg(item: AssertionItem) -> bool:
    return item.image_key.endswith(".svg")


def bake(item: AssertionItem, kind: str) -> bytes:
    """Bake the hosted assertion into the badge class image (no storage)."""
    source = images.get(_source_key(item, kind))
    if source is None:
        raise NotFound("The badge image is missing.")
    document = json.dumps(documents.assertion_document(item), separators=(",", ":"))
    if kind == "png":
        return baking.bake_png(source, document)
    return baking.bake_svg(source.decode(), verify=urls.assertion_url(item.id), body=document).encode()


def image(item: AssertionItem, kind: str) -> bytes:
    """The baked PNG or SVG, from S3 when already baked for this version."""
    if kind == "svg" and not has_svg(item):
        raise NotFound("This badge has no SVG image; use baked.png.")
    data = images.get(_key(item, kind))
    if data is None:
        data = bake(item, kind)
        keep(item, _key(item, kind), data, kind)
    return data


def keep(item: AssertionItem, key: str, data: bytes, kind: str) -> None:
    """Store a baked file, then read the award again: erased meanwhile, its erase may already have
    deleted the files before this one was written, so take it back (one consistent GetItem)."""
    images.put(key, data, CONTENT_TYPES[kind])
    try:
        current = AssertionItem.get(item.pk, item.sk, consistent_read=True)
    except AssertionItem.DoesNotExist:
        current = None
    if current is None or current.state == "erased":
        images.delete([key])
        raise NotFound(f"No assertion {item.id}.")


def rebake(item: AssertionItem, old_version: int) -> None:
    """Bake the new version now and delete the old files."""
    for kind in ("png", "svg") if has_svg(item) else ("png",):
        images.put(_key(item, kind), bake(item, kind), CONTENT_TYPES[kind])
    forget(item, version=old_version)


# OB 3.0 baked files: OB3_BAKED[0] since proofs name keys by their own URL; the older `ob3.*` files (proofs
# naming `controller#kid`) are never served again but still deleted with their version.
OB3_BAKED = ("ob3-keyurl", "ob3")


def forget(item: AssertionItem, version: int | None = None) -> None:
    """Delete a version's baked files, 2.0 and 3.0."""
    kinds = [k for kind in CONTENT_TYPES for k in (kind, *(f"{name}.{kind}" for name in OB3_BAKED))]
    images.delete([_key(item, k, version) for k in kinds])
