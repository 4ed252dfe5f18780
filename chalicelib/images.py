"""Badge and issuer images: checked to be a real PNG or SVG, size-limited, and SVG made inert."""

from __future__ import annotations

import base64
import binascii
import re
import struct
import warnings
from dataclasses import dataclass
from xml.etree.ElementTree import Element, tostring

from chalicelib.openbadges.baking import BakingError, is_text_chunk, png_chunks, png_from_chunks

MAX_IMAGE_BYTES = 1_048_576
MAX_SIDE = 4096
MAX_PIXELS = MAX_SIDE * MAX_SIDE
MAX_TEXT_CHUNKS = 64
MAX_SVG_DEPTH = 100
MAX_SVG_EXPANDED = 100_000  # elements after <use> references are expanded

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
_DATA_URI = re.compile(r"data:(image/(?:png|svg\+xml))((?:;[\w.+-]+=[\w.+-]+)*);base64,", re.IGNORECASE)
_MAX_BASE64 = 4 * (MAX_IMAGE_BYTES // 3 + 1)


def _names(words: str) -> frozenset[str]:
    """A set of names written as one space-separated block."""
    return frozenset(words.split())


# Static SVG only: no script, foreignObject, animation (which can rewrite href) or unknown namespaces.
_ELEMENTS = _names(
    """svg g defs symbol use title desc style a switch path rect circle ellipse line polyline polygon text
    tspan textPath image linearGradient radialGradient stop pattern clipPath mask marker filter feBlend
    feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap
    feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge
    feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile
    feTurbulence"""
)
_ATTRIBUTES = _names(
    """id class style lang x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points viewBox
    preserveAspectRatio version baseProfile transform transform-origin href gradientUnits
    gradientTransform spreadMethod offset patternUnits patternContentUnits patternTransform
    clipPathUnits maskUnits maskContentUnits markerUnits markerWidth markerHeight refX refY orient
    filterUnits primitiveUnits in in2 result stdDeviation dx dy mode operator k1 k2 k3 k4 values type
    tableValues slope intercept amplitude exponent baseFrequency numOctaves seed stitchTiles scale
    xChannelSelector yChannelSelector radius kernelMatrix order divisor bias targetX targetY edgeMode
    preserveAlpha surfaceScale specularConstant specularExponent diffuseConstant azimuth elevation
    pointsAtX pointsAtY pointsAtZ limitingConeAngle lengthAdjust textLength rotate startOffset method
    spacing path pathLength side systemLanguage alignment-baseline baseline-shift clip clip-path
    clip-rule color color-interpolation color-interpolation-filters color-rendering direction display
    dominant-baseline fill fill-opacity fill-rule filter flood-color flood-opacity font font-family
    font-size font-size-adjust font-stretch font-style font-variant font-weight image-rendering
    letter-spacing lighting-color marker-end marker-mid marker-start mask opacity overflow paint-order
    shape-rendering stop-color stop-opacity stroke stroke-dasharray stroke-dashoffset stroke-linecap
    stroke-linejoin stroke-miterlimit stroke-opacity stroke-width text-anchor text-decoration
    text-rendering unicode-bidi vector-effect visibility word-spacing writing-mode mix-blend-mode
    isolation"""
)
_SAFE_HREF = re.compile(r"#|data:image/(?:png|jpeg);base64,", re.IGNORECASE)
_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"]*?))\s*\)""", re.IGNORECASE)
_URL_START = re.compile(r"url\(", re.IGNORECASE)
_IMPORT = re.compile(r"@import[^;]*;?", re.IGNORECASE)
_CSS_LOADERS = re.compile(r"\\|@import|image-set\(|image\(|expression\(|-moz-binding|behavior", re.IGNORECASE)
_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(?:px)?\s*")


class ImageError(ValueError):
    """An uploaded image we will not store, with a sentence saying why."""


@dataclass(frozen=True)
class BadgeImage:
    """A validated image: PNG bytes without text chunks or trailing bytes, or SVG bytes after sanitising."""

    kind: str
    data: bytes
    width: int
    height: int

    @property
    def content_type(self) -> str:
        """The media type to store and serve it with."""
        return _CONTENT_TYPES[self.kind]


def parse_data_uri(uri: str) -> tuple[str, bytes]:
    """The (media type, bytes) of a base64 PNG or SVG data URI."""
    match = _DATA_URI.match(uri)
    if match is None:
        raise ImageError("image must be a base64 data URI of a PNG or SVG")
    encoded = uri[match.end() :]
    if len(encoded) > _MAX_BASE64:
        raise ImageError("image is larger than 1 MB")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ImageError("image data is not valid base64") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError("image is larger than 1 MB")
    return match.group(1).lower(), data


def validate_image(data: bytes) -> BadgeImage:
    """A PNG checked without trusting its header, or an SVG rewritten to be inert; else ImageError."""
    if not data:
        raise ImageError("image is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError("image is larger than 1 MB")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _validate_png(data)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _validate_svg(data.strip(b" \t\r\n"))
    raise ImageError("image must be PNG or SVG")


def svg_to_png(svg: bytes, size: int = 512) -> bytes:
    """A PNG rendering of an SVG whose longer side is size pixels."""
    import resvg_py

    image = validate_image(svg)
    if image.kind != "svg":
        raise ImageError("image is not an SVG")
    side = "width" if image.width >= image.height else "height"
    try:
        return bytes(resvg_py.svg_to_bytes(svg_string=image.data.decode("utf-8"), **{side: size}))
    except ValueError as exc:
        raise ImageError("SVG could not be drawn") from exc


# --- PNG ---------------------------------------------------------------------------------------------


def _validate_png(data: bytes) -> BadgeImage:
    """Check chunks and IHDR size by hand before Pillow decodes a single pixel; keep no text chunks.

    Text chunks are where badges are baked: a class image carrying someone's assertion would verify as
    that badge, and compressed text is inflated by Pillow. Bytes after IEND (polyglot files) go too.
    """
    try:
        chunks = png_chunks(data)
    except BakingError as exc:
        raise ImageError(f"image is not a valid PNG: {exc}") from exc
    ihdr = chunks[0][1]
    if len(ihdr) != 13:
        raise ImageError("image is not a valid PNG")
    width, height = struct.unpack(">II", ihdr[:8])
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE) or width * height > MAX_PIXELS:
        raise ImageError(f"image is larger than {MAX_SIDE}x{MAX_SIDE} pixels")
    if sum(is_text_chunk(kind) for kind, _ in chunks) > MAX_TEXT_CHUNKS:
        raise ImageError("image has too many text chunks")
    data = png_from_chunks([(kind, body) for kind, body in chunks if not is_text_chunk(kind)])
    _decode_png(data)
    return BadgeImage("png", data, width, height)


def _decode_png(data: bytes) -> None:
    """Decode every pixel with Pillow, so a corrupt stream is caught now and not when it is shown."""
    from io import BytesIO

    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data), formats=["PNG"]) as image:
                image.verify()
            with Image.open(BytesIO(data), formats=["PNG"]) as image:
                image.load()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise ImageError(f"image is larger than {MAX_SIDE}x{MAX_SIDE} pixels") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageError("image is not a valid PNG") from exc


# --- SVG ---------------------------------------------------------------------------------------------


def _validate_svg(data: bytes) -> BadgeImage:
    """Parse without DTDs or entities, keep only allowlisted static SVG, and measure it."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ImageError("SVG must not contain a DOCTYPE or entities") from None
    except (ParseError, ValueError):
        raise ImageError("image is not a valid PNG or SVG") from None
    if _svg_name(root.tag) != "svg":
        raise ImageError("image is not an SVG: its root element must be <svg>")
    clean = _sanitise(root, depth=0)
    _check_expansion(clean)
    width, height = _dimensions(clean)
    text = tostring(clean, encoding="unicode")
    return BadgeImage("svg", text.encode("utf-8"), width, height)


def _svg_name(tag: str) -> str | None:
    """The local name of an element in the SVG namespace (or no namespace), else None."""
    namespace, _, local = tag.rpartition("}")
    return local if namespace in ("", "{" + SVG_NS) else None


def _sanitise(element: Element, depth: int) -> Element:
    """A copy of an allowlisted element, with safe attributes and only allowlisted children."""
    if depth > MAX_SVG_DEPTH:
        raise ImageError("SVG is nested too deeply")
    name = _svg_name(element.tag)
    # Unqualified names plus an explicit xmlns keep ElementTree from writing ns0: prefixes.
    namespace = {"xmlns": SVG_NS} if depth == 0 else {}
    clean = Element(name, {**namespace, **_attributes(element)})
    clean.text = element.text
    if name == "style":
        clean.text = _stylesheet(element.text or "")
        return clean
    for child in element:
        if _svg_name(child.tag) in _ELEMENTS:
            kept = _sanitise(child, depth + 1)
            kept.tail = child.tail
            clean.append(kept)
        elif child.tail:  # the dropped element's trailing text still belongs to this element
            if len(clean):
                clean[-1].tail = (clean[-1].tail or "") + child.tail
            else:
                clean.text = (clean.text or "") + child.tail
    return clean


def _attributes(element: Element) -> dict[str, str]:
    """The allowlisted attributes of an element whose references stay inside the document."""
    kept: dict[str, str] = {}
    for key, value in element.attrib.items():
        namespace, _, local = key.rpartition("}")
        if namespace == "{" + XML_NS and local in ("space", "lang"):
            kept[key] = value
            continue
        if namespace not in ("", "{" + XLINK_NS) or (namespace and local != "href"):
            continue
        if local not in _ATTRIBUTES or (local == "href" and not _SAFE_HREF.match(value.strip())):
            continue
        if local == "style":
            value = _declarations(value)
        elif not _local_urls(value):
            continue
        if value:
            kept[local] = value  # xlink:href becomes SVG 2 href: one namespace fewer to carry
    return kept


def _url_target(match: re.Match[str]) -> str:
    """The address inside one url(...) token."""
    return next(group for group in match.groups() if group is not None).strip()


def _local_urls(css: str) -> bool:
    """True when every url(...) in the text is complete and points into this document."""
    targets = [_url_target(m) for m in _URL.finditer(css)]
    return len(targets) == len(_URL_START.findall(css)) and all(t.startswith("#") for t in targets)


def _declarations(style: str) -> str:
    """A style attribute without declarations that load anything from outside the document."""
    kept = [d.strip() for d in style.split(";") if d.strip()]
    return ";".join(d for d in kept if _local_urls(d) and not _CSS_LOADERS.search(d))


def _stylesheet(css: str) -> str:
    """A <style> sheet without @import or external url(); escapes can hide either, so drop it whole."""
    css = _IMPORT.sub("", css)
    if _CSS_LOADERS.search(css) or len(_URL.findall(css)) != len(_URL_START.findall(css)):
        return ""
    return _URL.sub(lambda m: m.group(0) if _url_target(m).startswith("#") else "none", css)


def _check_expansion(root: Element) -> None:
    """Refuse <use> chains that expand exponentially or refer to themselves."""
    by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(element: Element) -> int:
        key = id(element)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            raise ImageError("SVG refers to itself through <use>")
        if len(visiting) > MAX_SVG_DEPTH * 2:
            raise ImageError("SVG <use> references nest too deeply")
        visiting.add(key)
        total = 1 + sum(size(child) for child in element)
        target = by_id.get((element.get("href") or "")[1:]) if element.tag == "use" else None
        if target is not None:
            total += size(target)
        visiting.discard(key)
        sizes[key] = min(total, MAX_SVG_EXPANDED + 1)
        return sizes[key]

    if size(root) > MAX_SVG_EXPANDED:
        raise ImageError("SVG expands to too many elements")


def _dimensions(root: Element) -> tuple[int, int]:
    """Pixel size from width/height, else from the viewBox."""
    width, height = (_LENGTH.fullmatch(root.get(side, "")) for side in ("width", "height"))
    if width and height:
        w, h = float(width.group(1)), float(height.group(1))
    else:
        try:
            _, _, w, h = (float(v) for v in re.split(r"[\s,]+", root.get("viewBox", "").strip()))
        except ValueError:
            raise ImageError("SVG needs a viewBox or a width and height") from None
    if not (0 < w < float("inf") and 0 < h < float("inf")):
        raise ImageError("SVG needs a positive width and height")
    return max(1, round(w)), max(1, round(h))
