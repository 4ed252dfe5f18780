"""Open Badges 3.0 documents: OpenBadgeCredential, Achievement, and Bitstring Status List revocation."""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from .evidence import Evidence
from .jsonld import CREDENTIALS_V2, OB_V3P0
from .ob2 import iso8601

CONTEXT = [CREDENTIALS_V2, OB_V3P0]
STATUS_LIST_SIZE = 131_072  # the spec's minimum: 16 KB, so one credential hides among many
_MAX_LIST_BYTES = 1 << 24  # a decoded status list larger than 16 MiB is refused (gzip bombs)

_ALIGNMENT_FIELDS = (
    "targetName",
    "targetUrl",
    "targetDescription",
    "targetType",
    "targetFramework",
    "targetCode",
)


def _compact(obj: Mapping[str, Any]) -> dict:
    """A copy of an object without None or empty values (OB 3.0 omits nulls)."""
    return {k: v for k, v in obj.items() if v is not None and v != "" and v != [] and v != {}}


def _image(url: str | None) -> dict | None:
    """An Image object for a URL (or data URI)."""
    return {"id": url, "type": "Image"} if url else None


def profile(
    *,
    id: str,
    name: str,
    url: str | None = None,
    email: str | None = None,
    description: str | None = None,
    image: str | None = None,
) -> dict:
    """An issuer Profile."""
    return _compact(
        {
            "id": id,
            "type": ["Profile"],
            "name": name,
            "url": url,
            "email": email,
            "description": description,
            "image": _image(image),
        }
    )


def achievement(
    *,
    id: str,
    name: str,
    description: str,
    criteria_narrative: str | None = None,
    criteria_id: str | None = None,
    image: str | None = None,
    tags: Sequence[str] = (),
    alignment: Sequence[Mapping[str, str]] = (),
) -> dict:
    """An Achievement whose criteria is a URL, a Markdown narrative, or both."""
    criteria = _compact({"id": criteria_id, "narrative": criteria_narrative})
    if not criteria:
        raise ValueError("an achievement needs criteria: a URL, a narrative or both")
    return _compact(
        {
            "id": id,
            "type": ["Achievement"],
            "name": name,
            "description": description,
            "criteria": criteria,
            "image": _image(image),
            "tag": list(tags),
            "alignment": [
                {"type": ["Alignment"], **_compact({k: item.get(k) for k in _ALIGNMENT_FIELDS})}
                for item in alignment
            ],
        }
    )


def credential(
    *,
    id: str,
    issuer: dict,
    achievement: dict,
    identity_hash: str,
    salt: str,
    valid_from: datetime,
    valid_until: datetime | None,
    name: str,
    evidence: Sequence[Evidence] = (),
    image: str | None = None,
    status_entry: dict | None = None,
) -> dict:
    """An unsigned OpenBadgeCredential awarding an achievement to a hashed email identity."""
    identifier = {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": identity_hash,
        "salt": salt,
    }
    return _compact(
        {
            "@context": list(CONTEXT),
            "id": id,
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": issuer,
            "validFrom": iso8601(valid_from),
            "validUntil": iso8601(valid_until) if valid_until else None,
            "name": name,
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": [identifier],
                "achievement": achievement,
            },
            "evidence": [{"type": ["Evidence"], **e.fields()} for e in evidence],
            "image": _image(image),
            "credentialStatus": status_entry,
        }
    )


# --- revocation: W3C Bitstring Status List --------------------------------------------------------


def status_entry(*, list_url: str, index: int) -> dict:
    """A credential's BitstringStatusListEntry: bit `index` of the list credential at list_url."""
    if index < 0:
        raise ValueError("a status list index is not negative")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def encode_list(revoked_indexes: Iterable[int], size: int = STATUS_LIST_SIZE) -> str:
    """A status bitstring as multibase base64url (no padding) of its GZIP; index 0 is the first byte's MSB."""
    if size < STATUS_LIST_SIZE or size % 8:
        raise ValueError(f"a status list has a multiple of 8 entries, at least {STATUS_LIST_SIZE}")
    bits = bytearray(size // 8)
    for index in revoked_indexes:
        if not 0 <= index < size:
            raise ValueError(f"status list index {index} is outside 0..{size - 1}")
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)  # mtime 0: the same list always encodes the same
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode_list(encoded: str) -> bytes:
    """The bitstring of a multibase base64url GZIP status list; ValueError if malformed or too large."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("an encodedList is multibase base64url, starting with 'u'")
    body = encoded[1:]
    packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    inflater = zlib.decompressobj(wbits=31)  # 31: a gzip header is required
    try:
        bits = inflater.decompress(packed, _MAX_LIST_BYTES)
    except zlib.error as exc:
        raise ValueError("the encodedList is not GZIP data") from exc
    if inflater.unconsumed_tail:
        raise ValueError("the status list is larger than this verifier accepts")
    return bits


def status_list_credential(
    *,
    id: str,
    issuer: str | dict,
    valid_from: datetime,
    revoked_indexes: Iterable[int],
    size: int = STATUS_LIST_SIZE,
) -> dict:
    """An unsigned BitstringStatusListCredential with the bits of revoked_indexes set."""
    return {
        "@context": [CREDENTIALS_V2],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": iso8601(valid_from),
        "credentialSubject": {
            "id": id + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_list(revoked_indexes, size),
        },
    }


def is_revoked(status_list_credential: dict, index: int) -> bool:
    """Whether bit `index` of a revocation BitstringStatusListCredential is set; ValueError if unreadable."""
    subject = status_list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != "revocation":
        raise ValueError("not a revocation status list credential")
    bits = decode_list(subject.get("encodedList"))
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status list index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
