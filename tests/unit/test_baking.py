from __future__ import annotations

import io
import json
import re
import struct
import zlib
from xml.dom.minidom import parseString

import pytest
from defusedxml.ElementTree import fromstring

from chalicelib.openbadges.baking import (
    OB2_NAMESPACE,
    OB3_NAMESPACE,
    BakingError,
    bake_png,
    bake_svg,
    png_chunks,
    unbake_png,
    unbake_svg,
)

ASSERTION = json.dumps({"id": "https://b.example/a/1", "type": "Assertion", "name": "Zoë ✓"})
JWS = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6MX0.c2lnbmF0dXJl"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'


def _png(size=(4, 4)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _with_chunk(png: bytes, chunk: bytes) -> bytes:
    """Insert a raw chunk just before IEND."""
    return png[:-12] + chunk + png[-12:]


# --- PNG ---------------------------------------------------------------------------------------------


def test_png_round_trip_is_exact():
    assert unbake_png(bake_png(_png(), ASSERTION)) == ASSERTION


def test_baked_itxt_is_uncompressed_right_after_ihdr():
    kinds = [(k, d) for k, d in png_chunks(bake_png(_png(), JWS))]
    assert kinds[0][0] == b"IHDR"
    assert kinds[1] == (b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + JWS.encode())


def test_baked_png_reads_like_openbadges_bakery():
    # openbadges-bakery strips the keyword and its NULs from the first iTXt starting with "openbadges\0".
    itxt = next(d for k, d in png_chunks(bake_png(_png(), ASSERTION)) if k == b"iTXt")
    assert re.sub(b"openbadges[\x00]+", b"", itxt).decode("utf8") == ASSERTION


def test_baked_png_is_still_a_valid_image():
    from PIL import Image

    with Image.open(io.BytesIO(bake_png(_png((7, 3)), ASSERTION))) as image:
        image.load()
        assert image.size == (7, 3)


def test_rebaking_leaves_exactly_one_chunk():
    twice = bake_png(bake_png(_png(), "first"), "second")
    itxts = [d for k, d in png_chunks(twice) if k == b"iTXt"]
    assert len(itxts) == 1
    assert unbake_png(twice) == "second"


def test_rebaking_removes_old_text_chunks_with_that_keyword_only():
    png = _with_chunk(_png(), _chunk(b"tEXt", b"openbadges\x00old"))
    png = _with_chunk(png, _chunk(b"tEXt", b"Comment\x00keep me"))
    baked = png_chunks(bake_png(png, "new"))
    texts = [d for k, d in baked if k in (b"tEXt", b"iTXt")]
    assert texts == [b"openbadges\x00\x00\x00\x00\x00new", b"Comment\x00keep me"]


def test_ob3_keyword_is_separate_from_ob2():
    png = bake_png(bake_png(_png(), "ob2"), "ob3", keyword="openbadgecredential")
    assert unbake_png(png) == "ob2"
    assert unbake_png(png, keyword="openbadgecredential") == "ob3"


def test_unbaked_png_without_assertion_is_none():
    assert unbake_png(_png()) is None


def test_unbake_reads_compressed_itxt():
    data = b"openbadges\x00\x01\x00en\x00\x00" + zlib.compress(ASSERTION.encode())
    assert unbake_png(_with_chunk(_png(), _chunk(b"iTXt", data))) == ASSERTION


def test_unbake_reads_text_chunk():
    assert unbake_png(_with_chunk(_png(), _chunk(b"tEXt", b"openbadges\x00https://b.example/a"))) == (
        "https://b.example/a"
    )


def test_compressed_itxt_bomb_is_refused():
    bomb = zlib.compress(b"\x00" * (3 * 1024 * 1024), 9)
    png = _with_chunk(_png(), _chunk(b"iTXt", b"openbadges\x00\x01\x00\x00\x00" + bomb))
    assert len(png) < 10_000
    with pytest.raises(BakingError, match="2 MB"):
        unbake_png(png)


def test_tampered_crc_is_refused():
    baked = bytearray(bake_png(_png(), ASSERTION))
    baked[50] ^= 0xFF  # inside the iTXt data (IHDR ends at 33, iTXt data starts at 41)
    with pytest.raises(BakingError, match="CRC"):
        unbake_png(bytes(baked))


@pytest.mark.parametrize(
    "data", [b"", b"GIF89a....", b"<svg/>", b"\x89PNG\r\n\x1a\n", b"\x89PNG\r\n\x1a\n\x00\x00"]
)
def test_not_a_png_is_refused(data):
    with pytest.raises(BakingError):
        bake_png(data, "x")
    with pytest.raises(BakingError):
        unbake_png(data)


def test_truncated_png_is_refused():
    with pytest.raises(BakingError):
        unbake_png(_png()[:-6])


def test_lying_chunk_length_is_refused():
    png = _png()
    huge = png[:8] + struct.pack(">I", 0x7FFFFFF0) + png[12:]
    with pytest.raises(BakingError):
        unbake_png(huge)


def test_too_many_chunks_is_refused():
    png = _png()
    many = png[:33] + _chunk(b"tIME", b"\x07\xea\x01\x01\x00\x00\x00") * 10_001 + png[33:]
    with pytest.raises(BakingError, match="too many"):
        unbake_png(many)


def test_png_keyword_must_be_latin1_and_short():
    with pytest.raises(BakingError):
        bake_png(_png(), "x", keyword="k" * 80)
    with pytest.raises(BakingError):
        bake_png(_png(), "x", keyword="ключ")


# --- SVG ---------------------------------------------------------------------------------------------


def _first_child(svg: str):
    return fromstring(svg)[0]


def test_hosted_svg_round_trip_returns_json_body():
    baked = bake_svg(SVG, verify="https://b.example/a/1", body=ASSERTION)
    assert unbake_svg(baked) == ASSERTION
    child = _first_child(baked)
    assert child.tag == f"{{{OB2_NAMESPACE}}}assertion"
    assert child.get("verify") == "https://b.example/a/1"


def test_signed_svg_is_self_closing_with_jws_in_verify():
    baked = bake_svg(SVG, verify=JWS)
    assert f'<openbadges:assertion verify="{JWS}"/>' in baked
    assert unbake_svg(baked) == JWS


def test_baked_svg_declares_namespace_once_on_root():
    baked = bake_svg(bake_svg(SVG, verify=JWS), verify=JWS)
    assert baked.count('xmlns:openbadges="http://openbadges.org"') == 1
    assert baked.startswith('<svg xmlns="http://www.w3.org/2000/svg"')


def test_baked_svg_reads_like_openbadges_bakery():
    # openbadges-bakery (minidom): getElementsByTagName("openbadges:assertion"), CDATA or verify.
    hosted = parseString(bake_svg(SVG, verify="https://b.example/a/1", body=ASSERTION))
    node = hosted.getElementsByTagName("openbadges:assertion")[0]
    assert node.childNodes[0].nodeType == node.CDATA_SECTION_NODE
    assert node.childNodes[0].nodeValue == ASSERTION
    assert hosted.documentElement.getAttribute("xmlns:openbadges") == OB2_NAMESPACE
    signed = parseString(bake_svg(SVG, verify=JWS))
    assert signed.getElementsByTagName("openbadges:assertion")[0].getAttribute("verify") == JWS


def test_rebaking_svg_replaces_the_earlier_assertion():
    once = bake_svg(
        SVG, verify="https://b.example/a/1", body=ASSERTION.replace("1", "</openbadges:assertion>")
    )
    twice = bake_svg(once, verify=JWS)
    assert twice.count("openbadges:assertion") == 1
    assert unbake_svg(twice) == JWS
    assert len(list(fromstring(twice))) == 2  # the assertion and the original <rect>


def test_cdata_terminator_in_body_cannot_break_out():
    body = json.dumps({"name": "]]><script>alert(1)</script>", "x": "]]>]]>"})
    baked = bake_svg(SVG, verify="https://b.example/a/1", body=body)
    assert unbake_svg(baked) == body
    assert not fromstring(baked).findall(".//script")


def test_carriage_returns_survive_the_round_trip():
    body = '{\r\n"a": "b\r"}'
    assert unbake_svg(bake_svg(SVG, verify="https://b.example/", body=body)) == body


def test_attribute_value_is_escaped():
    verify = 'https://b.example/?a=1&b="2"<x>'
    baked = bake_svg(SVG, verify=verify)
    assert _first_child(baked).get("verify") == verify
    assert unbake_svg(baked) == verify


def test_ob3_svg_credential_round_trip():
    baked = bake_svg(SVG, body=ASSERTION, version=3)
    child = _first_child(baked)
    assert child.tag == f"{{{OB3_NAMESPACE}}}credential"
    assert child.get("verify") is None
    assert f'xmlns:openbadges="{OB3_NAMESPACE}"' in baked
    assert unbake_svg(baked) == ASSERTION


def test_switching_version_replaces_element_and_namespace():
    baked = bake_svg(bake_svg(SVG, verify=JWS), body=ASSERTION, version=3)
    assert OB2_NAMESPACE not in baked
    assert "openbadges:assertion" not in baked
    assert unbake_svg(baked) == ASSERTION


def test_svg_with_prolog_and_self_closing_root():
    svg = '<?xml version="1.0"?>\n<!-- made by hand <svg> -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'
    baked = bake_svg(svg, verify=JWS)
    assert baked.startswith('<?xml version="1.0"?>\n<!-- made by hand <svg> -->\n<svg ')
    assert unbake_svg(baked) == JWS


def test_unbaked_svg_without_assertion_is_none():
    assert unbake_svg(SVG) is None


def test_unbake_refuses_doctype():
    hostile = '<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'
    with pytest.raises(BakingError):
        unbake_svg(hostile)


@pytest.mark.parametrize(
    ("svg", "kwargs"),
    [
        ("<html/>", {"verify": JWS}),
        ('<!DOCTYPE svg><svg xmlns="http://www.w3.org/2000/svg"/>', {"verify": JWS}),
        (SVG, {}),
        (SVG, {"verify": JWS, "version": 1}),
        (SVG, {"verify": "a\x00b"}),
    ],
)
def test_bake_svg_refuses_bad_input(svg, kwargs):
    with pytest.raises(BakingError):
        bake_svg(svg, **kwargs)
