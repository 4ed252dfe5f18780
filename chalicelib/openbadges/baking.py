"""Baking: an Open Badges assertion or credential carried inside its PNG or SVG image."""

from __future__ import annotations

import re
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 16 * 1024 * 1024
MAX_CHUNKS = 10_000
MAX_TEXT_BYTES = 2 * 1024 * 1024

OB2_NAMESPACE = "http://openbadges.org"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
_SVG_ELEMENTS = {2: ("assertion", OB2_NAMESPACE), 3: ("credential", OB3_NAMESPACE)}
_TEXT_CHUNKS = (b"iTXt", b"tEXt", b"zTXt")

# Our own baked elements, self-closing or with CDATA/character-data bodies (CDATA ends at the first "]]>").
_BAKED_SVG = re.compile(
    r"<openbadges:(assertion|credential)\b[^>]*?(?:/>|>(?:<!\[CDATA\[.*?\]\]>|[^<])*</openbadges:\1\s*>)",
    re.DOTALL,
)
_PROLOG = re.compile(r"(?:\s|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)
_ATTRIBUTE = r"""\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
_ROOT_TAG = re.compile(rf"<svg((?:{_ATTRIBUTE})*)\s*(/?)>")
_OB_XMLNS = re.compile(r"""\s+xmlns:openbadges\s*=\s*(?:"[^"]*"|'[^']*')""")
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class BakingError(ValueError):
    """An image that cannot be baked or unbaked."""


# --- PNG ---------------------------------------------------------------------------------------------


def _spans(png: bytes) -> list[tuple[bytes, int, int]]:
    """Each chunk's type and [start, end) (header to CRC) up to IEND; structure checked, not CRCs."""
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("image is not a PNG")
    if len(png) > MAX_PNG_BYTES:
        raise BakingError("PNG is too large")
    spans: list[tuple[bytes, int, int]] = []
    pos = len(PNG_SIGNATURE)
    while True:
        if len(spans) >= MAX_CHUNKS:
            raise BakingError("PNG has too many chunks")
        if pos + 12 > len(png):
            raise BakingError("PNG is truncated")
        length, kind = struct.unpack_from(">I4s", png, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > len(png) or not kind.isalpha():
            raise BakingError("PNG chunk is malformed")
        spans.append((kind, pos, end))
        pos = end
        if kind == b"IEND":
            break
    if spans[0][0] != b"IHDR":
        raise BakingError("PNG does not start with IHDR")
    return spans


def _checked(png: bytes, kind: bytes, start: int, end: int) -> bytes:
    """A chunk's data, once its CRC is checked."""
    data = png[start + 8 : end - 4]
    if zlib.crc32(kind + data) != struct.unpack_from(">I", png, end - 4)[0]:
        raise BakingError(f"PNG {kind.decode('ascii')} chunk has a bad CRC")
    return data


def png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, data) chunks of a PNG up to IEND, with signature, lengths and every CRC checked."""
    return [(kind, _checked(png, kind, start, end)) for kind, start, end in _spans(png)]


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One serialised PNG chunk."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_from_chunks(chunks: list[tuple[bytes, bytes]]) -> bytes:
    """A PNG made of these (type, data) chunks, lengths and CRCs computed afresh."""
    return PNG_SIGNATURE + b"".join(_chunk(kind, data) for kind, data in chunks)


def is_text_chunk(kind: bytes) -> bool:
    """Whether a chunk type holds text (tEXt, zTXt, iTXt): where badges, and any other metadata, are baked."""
    return kind in _TEXT_CHUNKS


def _keyword(keyword: str) -> bytes:
    """A PNG text keyword: 1-79 Latin-1 characters, no NUL."""
    try:
        raw = keyword.encode("latin-1")
    except UnicodeEncodeError:
        raise BakingError("PNG keyword must be Latin-1") from None
    if not 0 < len(raw) < 80 or b"\0" in raw:
        raise BakingError("PNG keyword must be 1 to 79 characters")
    return raw


def _inflate(data: bytes) -> bytes:
    """zlib-decompressed text, refusing anything that expands beyond MAX_TEXT_BYTES."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_TEXT_BYTES + 1)
    except zlib.error:
        raise BakingError("PNG text chunk is not valid zlib data") from None
    if len(out) > MAX_TEXT_BYTES or inflater.unconsumed_tail:
        raise BakingError("PNG text chunk decompresses to more than 2 MB")
    return out


def _text_of(kind: bytes, data: bytes, keyword: bytes) -> str | None:
    """The text of a tEXt, zTXt or iTXt chunk with this keyword, else None."""
    name, sep, rest = data.partition(b"\0")
    if name != keyword or not sep:
        return None
    try:
        if kind == b"tEXt":
            return rest.decode("latin-1")
        if kind == b"zTXt":
            return _inflate(rest[1:]).decode("latin-1")
        compressed, _method = rest[0], rest[1]
        _language, _, rest = rest[2:].partition(b"\0")
        _translated, _, text = rest.partition(b"\0")
        return (_inflate(text) if compressed else text).decode("utf-8")
    except (IndexError, UnicodeDecodeError):
        raise BakingError("PNG text chunk is malformed") from None


def _is_baked(png: bytes, kind: bytes, start: int, name: bytes) -> bool:
    return kind in _TEXT_CHUNKS and png.startswith(name + b"\0", start + 8)


def bake_png(png: bytes, text: str, keyword: str = "openbadges") -> bytes:
    """The PNG with exactly one uncompressed iTXt chunk holding text, right after IHDR.

    Chunks are copied as they are, not re-encoded: the image was checked when it was uploaded, and a
    10 MB image bakes in one copy instead of a CRC pass over every byte.
    """
    name = _keyword(keyword)
    spans = _spans(png)
    ihdr = spans[0]
    itxt = name + b"\0\0\0\0\0" + text.encode("utf-8")  # flag 0, method 0, empty language and translation
    kept = [png[start:end] for kind, start, end in spans[1:] if not _is_baked(png, kind, start, name)]
    return b"".join([png[: ihdr[2]], _chunk(b"iTXt", itxt), *kept])


def unbake_png(png: bytes, keyword: str = "openbadges") -> str | None:
    """The text baked into a PNG under this keyword (iTXt preferred, then tEXt/zTXt), or None.

    Only text chunks are CRC-checked (a damaged one is refused): the image data is not ours to validate.
    """
    name = _keyword(keyword)
    texts = [
        (kind, _checked(png, kind, start, end)) for kind, start, end in _spans(png) if kind in _TEXT_CHUNKS
    ]
    found = [(kind, data) for kind, data in texts if data.startswith(name + b"\0")]
    found.sort(key=lambda chunk: chunk[0] != b"iTXt")
    for kind, data in found:
        text = _text_of(kind, data, name)
        if text is not None:
            return text
    return None


# --- SVG ---------------------------------------------------------------------------------------------


def _quoteattr(value: str) -> str:
    """A double-quoted XML attribute value (saxutils would import urllib on a cold start)."""
    return '"' + value.translate(_ATTR_ESCAPES) + '"'


def _cdata(body: str) -> str:
    """Body as CDATA sections; "]]>" and CR (which parsers would normalise) are carried outside them."""
    inner = body.replace("]]>", "]]]]><![CDATA[>").replace("\r", "]]>&#13;<![CDATA[")
    return f"<![CDATA[{inner}]]>"


def bake_svg(svg: str, *, verify: str | None = None, body: str | None = None, version: int = 2) -> str:
    """The SVG with one baked assertion (version 2) or credential (version 3) as the root's first child."""
    if version not in _SVG_ELEMENTS:
        raise BakingError("version must be 2 or 3")
    if not verify and not body:
        raise BakingError("nothing to bake: give verify, body or both")
    if any(_XML_INVALID.search(v) for v in (verify or "", body or "")):
        raise BakingError("baked text contains characters XML cannot carry")
    name, namespace = _SVG_ELEMENTS[version]
    svg = _BAKED_SVG.sub("", svg)
    root = _ROOT_TAG.match(svg, _PROLOG.match(svg).end())
    if root is None:
        raise BakingError("image is not an SVG document")
    attributes = _OB_XMLNS.sub("", root.group(1)) + f" xmlns:openbadges={_quoteattr(namespace)}"
    verify_attr = f" verify={_quoteattr(verify)}" if verify else ""
    if body:
        element = f"<openbadges:{name}{verify_attr}>{_cdata(body)}</openbadges:{name}>"
    else:
        element = f"<openbadges:{name}{verify_attr}/>"
    closing = "</svg>" if root.group(2) else ""
    return f"{svg[: root.start()]}<svg{attributes}>{element}{closing}{svg[root.end() :]}"


def unbake_svg(svg: str) -> str | None:
    """The baked JSON body, else the verify attribute (a signed JWS), of an OB 2.0 or 3.0 SVG; or None."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(svg, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise BakingError("image is not a well-formed SVG without DTD") from exc
    wanted = {f"{{{ns}}}{name}" for name, ns in _SVG_ELEMENTS.values()}
    for element in root.iter():
        if element.tag in wanted:
            body = "".join(element.itertext())
            return body if body.strip() else element.get("verify")
    return None
