"""Export a backpack: one zip, built in memory, of every badge's baked images (2.0 and 3.0) and JSON.

Per badge awarded here: ob2/baked.png (+ baked.svg when the class image is SVG) and ob2/assertion.json
(the hosted assertion), ob3/baked.png (+ .svg) and ob3/credential.json (the signed OpenBadgeCredential).
Per imported badge: its JSON or JWS as read at import (and the baked image when it came as one).
Bounded: at most MAX_BADGES badges and MAX_BYTES of files; what is left out is named in README.txt.
"""

from __future__ import annotations

import functools
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.errors import LaurelError
from chalicelib.services.backpack import imports, shelf
from chalicelib.services.hosting import baked, documents
from chalicelib.services.shared import ids

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.imports import ImportedBadge

MAX_BADGES = 500
MAX_BYTES = 4 * 1024 * 1024  # a Lambda response carries ~6 MB, and binary bodies travel as base64
FILENAME = "laurel-badges.zip"
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class _Zip:
    """The archive being written and what README.txt will say about it."""

    out: io.BytesIO = field(default_factory=io.BytesIO)
    size: int = 0
    lines: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.zip = zipfile.ZipFile(self.out, "w", zipfile.ZIP_DEFLATED)

    def fits(self, files: dict[str, bytes]) -> bool:
        return self.size + sum(len(d) for d in files.values()) <= MAX_BYTES

    def add(self, files: dict[str, bytes]) -> None:
        for name, data in files.items():
            stored = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
            self.zip.writestr(zipfile.ZipInfo(name, date_time=_STAMP), data, compress_type=stored)
            self.size += len(data)


_STAMP = (2020, 1, 1, 0, 0, 0)


def _slug(text: str | None, fallback: str) -> str:
    return _SLUG.sub("-", (text or "").lower()).strip("-")[:40] or fallback


def _json(document) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


def _our_files(badge: shelf.BackpackBadge, folder: str, *, store: Store) -> dict[str, bytes]:
    """The 2.0 and 3.0 baked images and JSON of one award, from the services that serve them."""
    from chalicelib.services.hosting import credentials

    item = badge.assertion
    kinds = ("png", "svg") if baked.has_svg(item) else ("png",)
    files = {f"{folder}/ob2/baked.{k}": baked.image(item, k, store=store) for k in kinds}
    files[f"{folder}/ob2/assertion.json"] = _json(documents.assertion_document(item))
    files |= {f"{folder}/ob3/baked.{k}": credentials.baked_image(item.id, k, store=store) for k in kinds}
    files[f"{folder}/ob3/credential.json"] = _json(credentials.signed_credential(item.id, store=store))
    return files


def _imported_files(item: ImportedBadge, folder: str, *, store: Store) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    document = imports.document_of(item, store=store)
    if document is not None:
        name = "badge.jws" if imports.is_jws(document) else "badge.json"
        files[f"{folder}/{name}"] = document.encode("utf-8")
    if item.source_kind in imports.IMAGE_TYPES:
        files[f"{folder}/baked.{item.source_kind}"] = imports.source_of(item, store=store)
    if item.source_kind == "url":
        files[f"{folder}/source-url.txt"] = (item.source or "").encode("utf-8") + b"\n"
    return files


def _entries(account: Any, *, store: Store):
    """(label, folder, files maker, README note, reason to leave out) per badge: ours, then imported."""
    for badge in shelf.list_badges(account, store=store):
        name = badge.badge.name if badge.badge else "badge"
        label = f"{name} — {badge.issuer.name if badge.issuer else 'unknown issuer'} ({badge.status})"
        folder = f"{_slug(name, 'badge')}-{badge.id}"
        revoked = "revoked by its issuer, so there is nothing to keep." if badge.status == "revoked" else None
        note = f"issued {badge.assertion.issued_on:%Y-%m-%d}"
        yield label, folder, functools.partial(_our_files, badge, folder, store=store), note, revoked
    for item in imports.list_imported(account, store=store):
        issuer = item.issuer_name or item.issuer_id or "unknown issuer"
        folder = f"imported/{_slug(item.name, 'badge')}-{item.digest[:12]}"
        label = f"{item.name or 'badge'} — {issuer} (imported)"
        files = functools.partial(_imported_files, item, folder, store=store)
        yield label, folder, files, f"from {item.badge_id}", None


def build(account: Any, *, store: Store) -> bytes:
    """The zip of the account's badges (see the module's doc), README.txt first."""
    archive = _Zip()
    count = 0
    for label, folder, files_of, note, reason in _entries(account, store=store):
        if reason is None and count >= MAX_BADGES:
            reason = f"more than {MAX_BADGES} badges in one download."
        files: dict[str, bytes] = {}
        if reason is None:
            try:
                files = files_of()
            except LaurelError as error:
                reason = error.detail
        if reason is None and not archive.fits(files):
            reason = f"the download is limited to {MAX_BYTES // 2**20} MB."
        if reason is not None:
            archive.left_out.append(f"{label}: {reason}")
            continue
        archive.add(files)
        archive.lines.append(f"{folder}/  {label}; {note}")
        count += 1
    archive.zip.writestr(zipfile.ZipInfo("README.txt", date_time=_STAMP), _readme(account, archive))
    archive.zip.close()
    return archive.out.getvalue()


def _readme(account: Any, archive: _Zip) -> str:
    lines = [
        f"Laurel badges of {account.first_name} {account.last_name},"
        f" exported {ids.now():%Y-%m-%d %H:%M} UTC.",
        "",
        "Each badge awarded on Laurel has a folder with:",
        "  ob2/baked.png (and baked.svg)  the badge image with its Open Badges 2.0 assertion baked in",
        "  ob2/assertion.json             the hosted Open Badges 2.0 assertion",
        "  ob3/baked.png (and baked.svg)  the image with the signed Open Badges 3.0 credential baked in",
        "  ob3/credential.json            the signed Open Badges 3.0 credential (eddsa-rdfc-2022)",
        "Imported badges (from other issuers) are under imported/: their JSON or JWS as imported,",
        "and the baked image when one was uploaded.",
        f"One download holds at most {MAX_BADGES} badges and {MAX_BYTES // 2**20} MB of files.",
        "",
        f"Badges ({len(archive.lines)}):",
        *[f"  {line}" for line in archive.lines],
    ]
    if not archive.lines:
        lines.append("  (none)")
    if archive.left_out:
        lines += ["", f"Left out ({len(archive.left_out)}):", *[f"  {line}" for line in archive.left_out]]
    return "\n".join(lines) + "\n"
