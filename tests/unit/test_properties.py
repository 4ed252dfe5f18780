"""Properties that hold for every input, checked by hypothesis: baking, email addresses, bulk CSV, JSON.

Examples are derandomized (the "laurel-ci" profile in tests/support/properties.py) so CI and a laptop
try the same ones; LAUREL_HYPOTHESIS=explore looks for new ones.
Sizes keep the whole file well under 20 seconds.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from hashlib import sha256
from types import SimpleNamespace

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chalicelib.errors import Invalid, LaurelError
from chalicelib.openbadges import ob2
from chalicelib.openbadges.baking import (
    OB2_NAMESPACE,
    BakingError,
    bake_png,
    bake_svg,
    png_chunks,
    unbake_png,
    unbake_svg,
)
from chalicelib.services.issuing import bulk
from chalicelib.services.shared import fields
from tests.support.properties import PROPERTY_PROFILE


def examples(n: int) -> settings:
    return settings(PROPERTY_PROFILE, max_examples=n, deadline=None)


# Text an assertion may hold: any Unicode a UTF-8 JSON document can carry (no lone surrogates), no NUL.
assertion_text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=200
) | st.sampled_from(['{"a": "]]>"}', "<!-- --> ]]]]> <![CDATA[", "\r\n\r", "ünï ✓ 用户 \u2028", "x" * 3000])
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- baking: PNG ---------------------------------------------------------------------------------------


@st.composite
def pngs(draw) -> bytes:
    """A small PNG as Pillow writes it: any size and mode, sometimes with text chunks of its own."""
    from PIL import Image, PngImagePlugin

    mode = draw(st.sampled_from(["1", "L", "LA", "P", "RGB", "RGBA", "I;16"]))
    size = (draw(st.integers(1, 40)), draw(st.integers(1, 40)))
    image = Image.new(mode, size, draw(st.integers(0, 255)) if mode in ("1", "L", "P", "I;16") else "teal")
    info = PngImagePlugin.PngInfo()
    for keyword, text, compressed in draw(
        st.lists(
            st.tuples(
                st.sampled_from(["Comment", "openbadges", "Author"]), st.text(max_size=30), st.booleans()
            )
        )
    ):
        info.add_itxt(keyword, text, zip=compressed)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, optimize=draw(st.booleans()))
    return out.getvalue()


def _decoded(png: bytes):
    from PIL import Image

    with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
        image.load()
        return image.size, image.mode


def _badge_chunks(png: bytes, keyword: bytes = b"openbadges") -> int:
    return sum(k in (b"iTXt", b"tEXt", b"zTXt") and d.startswith(keyword + b"\0") for k, d in png_chunks(png))


@examples(100)
@given(png=pngs(), first=assertion_text, second=assertion_text)
def test_png_baking_round_trips_replaces_and_keeps_the_image(png, first, second):
    baked = bake_png(png, first)
    assert unbake_png(baked) == first
    assert _decoded(baked) == _decoded(png)
    rebaked = bake_png(baked, second)
    assert unbake_png(rebaked) == second
    assert _badge_chunks(rebaked) == 1
    assert _decoded(rebaked) == _decoded(png)
    # The 3.0 keyword is another chunk: baking one leaves the other alone.
    both = bake_png(rebaked, first, keyword="openbadgecredential")
    assert (unbake_png(both), unbake_png(both, "openbadgecredential")) == (second, first)


# --- baking: SVG ---------------------------------------------------------------------------------------

_names = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True).filter(lambda n: not n.startswith("xml"))
_xml_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40).map(
    lambda t: XML_INVALID.sub("", t)
)
_attributes = st.dictionaries(_names, _xml_text, max_size=4)


@st.composite
def svgs(draw) -> str:
    """A well-formed SVG: random attributes (quoted either way), children, text, comments and prolog."""
    from xml.etree.ElementTree import Comment, Element, SubElement, tostring

    root = Element("svg", {"xmlns": "http://www.w3.org/2000/svg", **draw(_attributes)})
    root.text = draw(_xml_text)
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            child = SubElement(root, draw(st.sampled_from(["rect", "circle", "g", "text", "title"])))
            child.attrib.update(draw(_attributes))
            child.text = draw(_xml_text)
        else:
            root.append(Comment(draw(_xml_text).replace("-", "_")))
        root[-1].tail = draw(_xml_text)
    text = tostring(root, encoding="unicode")
    if draw(st.booleans()):  # single-quoted attributes on the root, as some editors write them
        text = re.sub(r'="([^"]*)"', lambda m: "='" + m.group(1).replace("'", "&apos;") + "'", text, count=2)
    prolog = draw(
        st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>\n', "<!-- made by hand -->\n  ", "\n"])
    )
    return prolog + text


def _elements(svg: str, name: str = "assertion") -> list:
    return [e for e in fromstring(svg).iter() if e.tag == f"{{{OB2_NAMESPACE}}}{name}"]


@examples(200)
@given(svg=svgs(), first=assertion_text, second=assertion_text)
def test_svg_baking_round_trips_replaces_and_keeps_the_image(svg, first, second):
    if XML_INVALID.search(first):
        with pytest.raises(BakingError):
            bake_svg(svg, body=first)
        return
    assume(first.strip() and second.strip() and not XML_INVALID.search(second))
    baked = bake_svg(svg, verify="https://badges.example/a/1", body=first)
    assert unbake_svg(baked) == first
    root, original = fromstring(baked), fromstring(svg)
    assert root.tag == original.tag and len(root) == len(original) + 1  # the image is all still there
    rebaked = bake_svg(baked, body=second)
    assert unbake_svg(rebaked) == second
    assert len(_elements(rebaked)) == 1 and len(fromstring(rebaked)) == len(original) + 1


@examples(100)
@given(svg=svgs(), verify=_xml_text.filter(str.strip))
def test_svg_verify_attribute_round_trips(svg, verify):
    baked = bake_svg(svg, verify=verify)
    assert unbake_svg(baked) == verify
    [element] = _elements(baked)
    assert element.get("verify") == verify


# --- email addresses -------------------------------------------------------------------------------------

_LOCAL = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+_-éüçñøÉÜßåİДжф用户"
_LABEL = "abcdefghijklmnopqrstuvwxyz0123456789üéñçöåДж例子"
emails = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
    st.text(st.sampled_from(_LOCAL), min_size=1, max_size=20),
    st.lists(st.text(st.sampled_from(_LABEL), min_size=1, max_size=12), min_size=1, max_size=3),
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=2, max_size=6),
)


def _respell(email: str, flips: list[bool], pad: str, decompose: bool) -> str:
    """The same address with some letters in upper case (only those that come back), padding and NFD."""
    chars = [
        c.upper() if flip and len(c.upper()) == 1 and c.upper().lower() == c else c
        for c, flip in zip(email, flips + [False] * len(email), strict=False)
    ]
    text = "".join(chars)
    return pad + (unicodedata.normalize("NFD", text) if decompose else text) + pad


@examples(300)
@given(
    email=emails,
    flips=st.lists(st.booleans(), max_size=60),
    pad=st.sampled_from(["", " ", "\t", "  \n"]),
    decompose=st.booleans(),
    salt=st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
)
def test_equivalent_spellings_normalise_and_hash_the_same(email, flips, pad, decompose, salt):
    canonical = fields.normalise_and_check_email(email)
    assume(canonical is not None)
    assert fields.normalise_and_check_email(canonical) == canonical  # idempotent
    assert canonical == unicodedata.normalize("NFC", canonical) and canonical == canonical.lower()
    other = _respell(email, flips, pad, decompose)
    assert fields.normalise_and_check_email(other) == canonical
    local, _, domain = canonical.rpartition("@")
    assert fields.normalise_and_check_email(f"{local}@{domain.upper()}") == canonical
    if not domain.isascii():  # the same domain in its xn-- form is the same address
        import idna

        assert fields.normalise_and_check_email(f"{local}@{idna.encode(domain, uts46=True).decode()}") == (
            canonical
        )
    expected = "sha256$" + sha256((canonical + salt).encode()).hexdigest()
    assert ob2.hashed_identity(canonical, salt) == expected
    assert ob2.hashed_identity(other, salt) == expected  # case, padding and NFD do not change the hash


@examples(400)
@given(text=st.text(max_size=80) | emails)
def test_normalising_any_text_is_idempotent_and_never_raises(text):
    once = fields.normalise_email(text)
    assert fields.normalise_email(once) == once
    hashed = ob2.normalise_email(text)
    assert ob2.normalise_email(hashed) == hashed
    checked = fields.normalise_and_check_email(text)
    assert checked is None or checked == once


# --- bulk CSV ------------------------------------------------------------------------------------------

_FLAGS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_cell = st.text(st.characters(exclude_categories=("Cs",)), max_size=30).map(str.strip)
_flag = st.sampled_from(["", *_FLAGS, "TRUE", "No"])


@st.composite
def tables(draw) -> tuple[list[str], list[list[str]]]:
    """A header (recipient_email plus some other columns, in any order) and rows of cells for it."""
    others = draw(st.lists(st.sampled_from(bulk.CSV_COLUMNS[1:]), unique=True))
    header = draw(st.permutations(["recipient_email", *others]))
    rows = draw(
        st.lists(
            st.tuples(*[_flag if c in ("notify", "allow_duplicate") else _cell for c in header]).map(list),
            min_size=1,
            max_size=15,
        )
    )
    return header, rows


def _expected(header: list[str], row: list[str]) -> dict:
    """The award a row means: empty cells left out, flags read as booleans, evidence cells joined."""
    cells = dict(zip(header, row, strict=True))
    award: dict = {k: v for k, v in cells.items() if v and not k.startswith("evidence_")}
    for flag in ("notify", "allow_duplicate"):
        if flag in award:
            award[flag] = _FLAGS[award[flag].lower()]
    evidence = {"url": cells.get("evidence_url"), "narrative": cells.get("evidence_narrative")}
    if any(evidence.values()):
        award["evidence"] = [{k: v for k, v in evidence.items() if v}]
    return award


def _write(header, rows, *, terminator: str, quoting: int, bom: bool) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=terminator, quoting=quoting)
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


@examples(200)
@given(
    table=tables(),
    terminator=st.sampled_from(["\r\n", "\n", "\r"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    bom=st.booleans(),
)
def test_any_table_written_as_csv_reads_back_as_the_same_rows(table, terminator, quoting, bom):
    header, rows = table
    if terminator != "\r\n" and quoting == csv.QUOTE_MINIMAL:
        # csv.writer quotes only the terminator's own characters: a lone "\r" or "\n" in a cell would
        # go out unquoted under the other, and no reader could tell it from the end of a row.
        quoting = csv.QUOTE_ALL
    data = _write(header, rows, terminator=terminator, quoting=quoting, bom=bom)
    assert bulk.rows_from_csv(data) == [_expected(header, row) for row in rows]


def _badge():
    return SimpleNamespace(expires_after=None)


def _row_errors_are_numbered(rows: list) -> None:
    if not rows or len(rows) > bulk.MAX_ROWS:
        return
    valid, errors = bulk.validate_rows(rows, _badge())
    numbers = {n for n, _ in valid} | {e["row"] for e in errors}
    assert numbers <= set(range(1, len(rows) + 1)) and {n for n, _ in valid}.isdisjoint(
        e["row"] for e in errors
    )
    assert all(isinstance(e["field"], str) and e["detail"] for e in errors)


@examples(150)
@given(table=tables(), junk=st.lists(st.text(max_size=20), max_size=5))
def test_rows_become_awards_or_numbered_errors_never_exceptions(table, junk):
    header, rows = table
    extra = [[*row, *junk] for row in rows]  # sometimes more cells than the header has columns
    data = _write(header, extra, terminator="\n", quoting=csv.QUOTE_MINIMAL, bom=False)
    _row_errors_are_numbered(bulk.rows_from_csv(data))


@examples(400)
@given(
    data=st.binary(max_size=300)
    | st.builds(lambda body: b"recipient_email,recipient_name\n" + body, st.binary(max_size=300))
    | st.builds(
        lambda body: b"recipient_email,narrative,notify\n" + body.encode("utf-8", "surrogatepass"),
        st.text(st.sampled_from('a@x.org,"\r\n\x00\ufeff=+-@ é')),
    )
)
def test_any_bytes_are_read_or_refused_with_a_reason(data):
    try:
        rows = bulk.rows_from_csv(data)
    except Invalid as refused:
        assert refused.detail and refused.errors
        assert all("row" in e or e["field"] in ("header", "body") for e in refused.errors)
        return
    _row_errors_are_numbered(rows)


# --- JSON bodies -------------------------------------------------------------------------------------------


@examples(400)
@given(
    body=st.binary(max_size=200)
    | st.text(st.sampled_from('[]{}",:0123456789.eE+-truefalsnNaIiy \\u"d8'), max_size=200).map(str.encode)
)
def test_any_body_is_parsed_or_refused_as_a_client_error(body):
    from chalicelib.web.http import parse_json

    try:
        parse_json(body)
    except LaurelError as refused:
        assert 400 <= refused.status < 500 and refused.detail
