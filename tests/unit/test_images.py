from __future__ import annotations

import base64
import io
import struct
import time
import zlib

import pytest
from defusedxml.ElementTree import fromstring

from chalicelib.images import (
    MAX_IMAGE_BYTES,
    BadgeImage,
    ImageError,
    parse_data_uri,
    svg_to_png,
    validate_image,
)

NS = "{http://www.w3.org/2000/svg}"
OPEN = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 50">'
)


def _png(size=(8, 6), mode="RGB") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size, "red").save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _svg(inner: str) -> bytes:
    return (OPEN + inner + "</svg>").encode()


def _clean(inner: str) -> str:
    return validate_image(_svg(inner)).data.decode()


# --- PNG ---------------------------------------------------------------------------------------------


def test_png_is_accepted_as_uploaded_with_its_size():
    png = _png((8, 6))
    image = validate_image(png)
    assert image == BadgeImage("png", png, 8, 6)
    assert image.content_type == "image/png"


def test_decompression_bomb_png_is_refused_before_decoding():
    # 20000 x 20000 1-bit greyscale: 50 MB of pixels in a file of a few tens of kB.
    rows = zlib.compressobj(9)
    idat = b"".join(rows.compress(b"\x00" * 2501 * 1000) for _ in range(20)) + rows.flush()
    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 1, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    assert len(bomb) < 100_000
    started = time.perf_counter()
    with pytest.raises(ImageError, match="4096"):
        validate_image(bomb)
    assert time.perf_counter() - started < 0.5


def test_png_taller_than_4096_is_refused():
    with pytest.raises(ImageError, match="larger than"):
        validate_image(_png((1, 4097), mode="1"))


def test_png_with_truncated_pixels_is_refused():
    png = _png((64, 64))
    ihdr, rest = png[:33], png[33:]
    idat_start = rest.index(b"IDAT") - 4
    length = struct.unpack(">I", rest[idat_start : idat_start + 4])[0]
    short = rest[idat_start + 8 : idat_start + 8 + length][: length // 2]
    broken = ihdr + _chunk(b"IDAT", short) + _chunk(b"IEND", b"")
    with pytest.raises(ImageError, match="not a valid PNG"):
        validate_image(broken)


def test_png_with_bad_crc_is_refused():
    png = bytearray(_png())
    png[20] ^= 1  # inside IHDR
    with pytest.raises(ImageError, match="not a valid PNG"):
        validate_image(bytes(png))


def test_png_with_many_text_chunks_is_refused():
    png = _png()
    texts = b"".join(_chunk(b"tEXt", b"Comment\x00%d" % i) for i in range(65))
    with pytest.raises(ImageError, match="text chunks"):
        validate_image(png[:33] + texts + png[33:])


def test_oversized_image_is_refused():
    with pytest.raises(ImageError, match="larger than 1 MB"):
        validate_image(_png()[:-12] + b"\x00" * MAX_IMAGE_BYTES)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        b"GIF89a\x01\x00\x01\x00",
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        b"hello",
    ],
)
def test_other_formats_are_refused(data):
    with pytest.raises(ImageError, match="must be PNG or SVG"):
        validate_image(data)


def test_empty_image_is_refused():
    with pytest.raises(ImageError):
        validate_image(b"")


# --- SVG ---------------------------------------------------------------------------------------------


def test_plain_svg_keeps_geometry_and_default_namespace():
    image = validate_image(_svg('<rect x="1" width="10" height="5" fill="#f00" transform="rotate(3)"/>'))
    text = image.data.decode()
    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50">')
    assert '<rect x="1" width="10" height="5" fill="#f00" transform="rotate(3)" />' in text
    assert (image.kind, image.width, image.height, image.content_type) == ("svg", 100, 50, "image/svg+xml")


def test_width_and_height_win_over_viewbox():
    image = validate_image(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="64px" height="32" viewBox="0 0 1 1"/>'
    )
    assert (image.width, image.height) == (64, 32)


def test_svg_without_any_size_is_refused():
    with pytest.raises(ImageError, match="viewBox"):
        validate_image(b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')


@pytest.mark.parametrize("view_box", ["0 0 inf 1", "0 0 nan 1", "0 0 0 1", "0 0 -5 5"])
def test_svg_with_unusable_view_box_is_refused(view_box):
    with pytest.raises(ImageError, match="positive"):
        validate_image(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view_box}"/>'.encode())


def test_script_is_stripped():
    text = _clean('<script>alert(1)</script><rect width="1"/><script xlink:href="http://evil/x.js"/>')
    assert "script" not in text and "alert" not in text
    assert "<rect" in text


def test_event_handlers_are_stripped():
    text = _clean('<g onload="alert(1)" onclick="x()"><rect onmouseover="y()" width="1"/></g>')
    assert "on" not in text.replace("xmlns", "")
    assert fromstring(text).find(f"{NS}g/{NS}rect") is not None


def test_foreign_object_and_html_are_stripped():
    html = '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><iframe src="http://evil"/></div></foreignObject>'
    text = _clean(html + '<circle r="3"/>')
    assert "foreignObject" not in text and "iframe" not in text and "evil" not in text
    assert "<circle" in text


def test_animation_that_could_rewrite_links_is_stripped():
    text = _clean('<a href="#x"><set attributeName="href" to="javascript:alert(1)"/><text>hi</text></a>')
    assert "set" not in text.replace("offset", "") and "javascript" not in text
    assert ">hi</text>" in text


def test_external_hrefs_are_dropped_and_local_ones_kept():
    png = "data:image/png;base64," + base64.b64encode(_png()).decode()
    text = _clean(
        '<image xlink:href="http://evil/a.png" width="1"/><use xlink:href="#r"/><image href="' + png + '"/>'
        '<a href="javascript:alert(1)"><rect id="r"/></a><image href="data:image/svg+xml;base64,PHN2Zz4="/>'
    )
    root = fromstring(text)
    assert "evil" not in text and "javascript" not in text and "svg+xml" not in text
    assert root.find(f"{NS}use").get("href") == "#r"
    assert [i.get("href") for i in root.findall(f"{NS}image")] == [None, png, None]


def test_external_url_references_in_style_and_attributes_are_dropped():
    text = _clean(
        '<rect style="fill:red; background:url(http://x/y.png); stroke:url(#g)" filter="url(http://x/f)"'
        ' fill="url(#g)" mask="url(&quot;//x/m&quot;)" clip-path="url(http://x"/>'
    )
    rect = fromstring(text).find(f"{NS}rect")
    assert rect.get("style") == "fill:red;stroke:url(#g)"
    assert rect.get("fill") == "url(#g)"
    assert rect.get("filter") is None and rect.get("mask") is None and rect.get("clip-path") is None


def test_style_sheet_loses_imports_and_external_urls():
    text = _clean(
        "<style>@import url(http://x/a.css); rect { fill: url(http://x/p.svg#a) } g { fill: url(#g) }</style>"
    )
    style = fromstring(text).find(f"{NS}style").text
    assert "@import" not in style and "http" not in style
    assert "fill: none" in style and "url(#g)" in style


def test_style_sheet_with_css_escapes_is_emptied():
    text = _clean(r"<style>rect { background: \75 rl(http://x) }</style>")
    assert "http://x" not in text


def test_unknown_namespaces_and_comments_are_dropped_but_text_is_kept():
    svg = (
        b'<?xml version="1.0"?><!-- c --><svg xmlns="http://www.w3.org/2000/svg" '
        b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:version="1" '
        b'width="2" height="2">'
        b"<text>Hello <script>x</script>world <tspan>!</tspan></text></svg>"
    )
    text = validate_image(svg).data.decode()
    assert "inkscape" not in text and "<!--" not in text and "<?xml" not in text
    assert "".join(fromstring(text).find(f"{NS}text").itertext()) == "Hello world !"


def test_svg_without_namespace_is_given_one():
    text = validate_image(b'<svg viewBox="0 0 4 4"><rect width="4"/></svg>').data.decode()
    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert fromstring(text).find(f"{NS}rect") is not None


def test_sanitising_is_stable():
    once = validate_image(_svg('<g style="fill:red"><path d="M0 0L1 1" onclick="x"/></g>'))
    assert validate_image(once.data) == once


@pytest.mark.parametrize(
    "svg",
    [
        b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><text>&b;</text></svg>',
        b'<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><text>&xxe;</text></svg>',
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
    ],
)
def test_doctypes_and_entities_are_refused(svg):
    with pytest.raises(ImageError, match="DOCTYPE"):
        validate_image(svg)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "root element"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "not a valid"),
        (b"<not xml", "not a valid"),
    ],
)
def test_non_svg_markup_is_refused(data, message):
    with pytest.raises(ImageError, match=message):
        validate_image(data)


def test_exponential_use_chain_is_refused():
    levels = ['<g id="l0"><rect width="1"/></g>']
    levels += [f'<g id="l{i}">' + f'<use href="#l{i - 1}"/>' * 4 + "</g>" for i in range(1, 12)]
    with pytest.raises(ImageError, match="too many elements"):
        validate_image(_svg("<defs>" + "".join(levels) + '</defs><use href="#l11"/>'))


def test_self_referencing_use_is_refused():
    with pytest.raises(ImageError, match="itself"):
        validate_image(_svg('<g id="a"><use href="#a"/></g>'))


def test_deep_nesting_is_refused():
    with pytest.raises(ImageError, match="nested"):
        validate_image(_svg("<g>" * 500 + "</g>" * 500))


# --- data URIs and rasterising -----------------------------------------------------------------------


def test_data_uri_is_decoded():
    png = _png()
    assert parse_data_uri("data:image/png;base64," + base64.b64encode(png).decode()) == ("image/png", png)
    assert parse_data_uri("DATA:image/SVG+xml;charset=utf-8;base64,PHN2Zy8+") == ("image/svg+xml", b"<svg/>")


@pytest.mark.parametrize(
    "uri",
    [
        "data:image/png,rawbytes",
        "data:image/jpeg;base64,/9j/4AAQ",
        "data:text/html;base64,PGgxPg==",
        "https://example.org/badge.png",
        "data:image/png;base64,not*base64!",
        "data:image/png;base64,iVBOR w0K",
    ],
)
def test_bad_data_uris_are_refused(uri):
    with pytest.raises(ImageError):
        parse_data_uri(uri)


def test_oversized_data_uri_is_refused_before_decoding():
    with pytest.raises(ImageError, match="larger than 1 MB"):
        parse_data_uri("data:image/png;base64," + "A" * (MAX_IMAGE_BYTES * 2))
    with pytest.raises(ImageError, match="larger than 1 MB"):
        parse_data_uri("data:image/png;base64," + base64.b64encode(b"\x00" * (MAX_IMAGE_BYTES + 1)).decode())


def test_svg_is_rasterised_with_its_longer_side_at_size():
    from PIL import Image

    png = svg_to_png(_svg('<rect width="100" height="50" fill="blue"/>'), size=200)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (200, 100)
        assert image.convert("RGB").getpixel((100, 50)) == (0, 0, 255)


def test_rasterising_sanitises_first():
    png = svg_to_png(_svg('<script>alert(1)</script><rect width="100" height="50"/>'), size=64)
    assert validate_image(png).width == 64


def test_rasterising_a_png_is_refused():
    with pytest.raises(ImageError, match="not an SVG"):
        svg_to_png(_png())


def test_sanitised_svg_can_be_baked_and_rebaked_after_reupload():
    from chalicelib.openbadges.baking import bake_svg, unbake_svg

    baked = bake_svg(_clean('<rect width="1"/>'), verify="https://b.example/a/1", body='{"id": 1}')
    assert unbake_svg(baked) == '{"id": 1}'
    assert unbake_svg(validate_image(baked.encode()).data.decode()) is None  # a re-upload loses the bake
