"""Hostile inputs for every door a stranger can knock on, each built in memory when asked for.

Images (badge class uploads, /verify, backpack import), bulk CSV, JSON bodies and email addresses.
Each builder is a plain function returning bytes or text; tests/unit/test_hostile_inputs.py sends them
through the real entry points. Nothing here is large on disk: the bombs are small until decompressed.
"""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
SVG_CLOSE = "</svg>"
CIRCLE = '<circle cx="32" cy="32" r="30" fill="#1f6f5c"/>'


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk with its length and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def small_png(size: int = 16) -> bytes:
    """A valid, ordinary PNG."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), "teal").save(out, "PNG")
    return out.getvalue()


def with_chunks(png: bytes, *chunks: bytes) -> bytes:
    """The PNG with raw chunks inserted just before IEND."""
    return png[:-12] + b"".join(chunks) + png[-12:]


def data_uri(data: bytes, kind: str = "image/png") -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


# --- PNG ---------------------------------------------------------------------------------------------


def bomb_png(side: int = 50_000) -> bytes:
    """A side-by-side 1-bit greyscale PNG: 312 MB of pixels declared, a few hundred bytes on disk.

    Only the first rows are really compressed here (the IDAT is short); a decoder that trusts IHDR
    and allocates before reading pays for all of them.
    """
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (side + 7) // 8)
    idat = zlib.compress(row * 64, 9)
    return PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def pixel_bomb_png() -> bytes:
    """A PNG whose IHDR is within limits but whose IDAT inflates to far more than the pixels need."""
    side = 64
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    idat = zlib.compress(bytes(64 * 1024 * 1024), 9)  # 64 MB of zeros, ~64 kB compressed
    return PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def many_itxt_png(count: int = 5000) -> bytes:
    """A valid PNG carrying thousands of small iTXt chunks."""
    chunks = [chunk(b"iTXt", b"comment%d\0\0\0\0\0hello" % i) for i in range(count)]
    return with_chunks(small_png(), *chunks)


def too_many_chunks_png(count: int = 12_000) -> bytes:
    """A PNG with more chunks than any reader should walk (ancillary private chunks, 12 bytes each)."""
    return with_chunks(small_png(), *[chunk(b"prVt", b"") for _ in range(count)])


def huge_itxt_png(size: int = 900_000) -> bytes:
    """A PNG whose openbadges iTXt chunk holds close to a megabyte of text that is not a badge."""
    itxt = b"openbadges\0\0\0\0\0" + b"A" * size
    return with_chunks(small_png(), chunk(b"iTXt", itxt))


def itxt_bomb_png(inflated: int = 64 * 1024 * 1024) -> bytes:
    """A PNG whose compressed openbadges iTXt chunk inflates to 64 MB (about 64 kB on the wire)."""
    itxt = b"openbadges\0\1\0\0\0" + zlib.compress(b"{" * inflated, 9)
    return with_chunks(small_png(), chunk(b"iTXt", itxt))


def ztxt_bomb_png(inflated: int = 64 * 1024 * 1024) -> bytes:
    """A zTXt comment that Pillow would inflate while reading the image."""
    ztxt = b"Comment\0\0" + zlib.compress(b" " * inflated, 9)
    return with_chunks(small_png(), chunk(b"zTXt", ztxt))


def baked_png(text: str) -> bytes:
    """A small PNG with text baked the way a badge is."""
    from chalicelib.openbadges.baking import bake_png

    return bake_png(small_png(), text)


# --- SVG ---------------------------------------------------------------------------------------------


def svg(inner: str, *, open_tag: str = SVG_OPEN, prolog: str = "") -> bytes:
    return (prolog + open_tag + inner + SVG_CLOSE).encode("utf-8")


def svg_script() -> bytes:
    return svg('<script>alert("script")</script><script href="https://evil.example/x.js"/>' + CIRCLE)


def svg_onload() -> bytes:
    return svg(
        CIRCLE.replace("<circle", '<circle onload="alert(1)" onclick="alert(2)"'),
        open_tag=SVG_OPEN.replace("<svg", '<svg onload="alert(3)"'),
    )


def svg_foreign_object() -> bytes:
    html = '<div xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://evil.example/"></iframe></div>'
    return svg(f'<foreignObject width="64" height="64">{html}</foreignObject>{CIRCLE}')


def svg_javascript_href() -> bytes:
    return svg(
        '<a href="javascript:alert(1)">' + CIRCLE + "</a>"
        '<a xlink:href="JaVaScRiPt:alert(2)" xmlns:xlink="http://www.w3.org/1999/xlink"><rect width="1"'
        ' height="1"/></a><image href=" javascript:alert(3)" width="1" height="1"/>'
        '<use href="data:image/svg+xml;base64,PHN2Zy8+"/>'
    )


XXE_PROLOG = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
# Ten entities, each ten of the one before: "&lol9;" is a billion "lol"s, a few GB from a few hundred bytes.
LAUGHS_PROLOG = (
    "<!DOCTYPE svg ["
    + '<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + "]>"
)


def svg_xxe() -> bytes:
    return svg("<text>&x;</text>" + CIRCLE, prolog=XXE_PROLOG)


def svg_billion_laughs() -> bytes:
    return svg("<text>&lol9;</text>", prolog=LAUGHS_PROLOG)


def svg_parameter_entity() -> bytes:
    prolog = '<!DOCTYPE svg [<!ENTITY % remote SYSTEM "https://evil.example/x.dtd"> %remote;]>'
    return svg(CIRCLE, prolog=prolog)


def baked_svg(body: str, inner: str = CIRCLE, *, prolog: str = "") -> bytes:
    """An SVG with body baked in as an OB 2.0 assertion (hostile markup in inner or prolog kept)."""
    from chalicelib.openbadges.baking import OB2_NAMESPACE

    element = (
        f'<openbadges:assertion xmlns:openbadges="{OB2_NAMESPACE}"><![CDATA[{body}]]></openbadges:assertion>'
    )
    return svg(element + inner, prolog=prolog)


def baked_svg_xxe() -> bytes:
    return baked_svg('{"id": "&x;"}', "<text>&x;</text>", prolog=XXE_PROLOG)


def baked_svg_billion_laughs() -> bytes:
    return baked_svg("{}", "<text>&lol9;</text>", prolog=LAUGHS_PROLOG)


def baked_svg_script() -> bytes:
    body = '{"type": "Assertion", "name": "<script>alert(1)</script>"}'
    return baked_svg(body, '<script>alert(1)</script><a href="javascript:alert(2)">' + CIRCLE + "</a>")


# --- JSON-LD: credentials whose canonicalisation would take minutes -----------------------------------


def credential_with(**extra) -> dict:
    """An OB 3.0 credential by a did:key issuer (no fetch needed) with a proof that is never reached."""
    from datetime import UTC, datetime

    from chalicelib.openbadges import dataintegrity, ob2, ob3

    did = "did:key:" + dataintegrity.multikey(bytes(range(32)))
    document = ob3.credential(
        id="urn:uuid:hostile",
        issuer=ob3.profile(id=did, name="Hostile"),
        achievement=ob3.achievement(id="urn:uuid:a", name="A", description="B", criteria_narrative="C"),
        identity_hash=ob2.hashed_identity("ada@example.org", "salt"),
        salt="salt",
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        valid_until=None,
        name="A",
    )
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "verificationMethod": f"{did}#{did[8:]}",
        "proofPurpose": "assertionMethod",
        "created": "2026-01-01T00:00:00Z",
        "proofValue": "z" + "1" * 80,
    }
    return {**document, **extra, "proof": proof}


def deep_credential(depth: int = 200) -> dict:
    """A chain of blank nodes 200 deep (absolute IRIs as keys, so JSON-LD keeps them): RDFC is cubic in it."""
    chain: dict = {"https://hostile.example/leaf": 1}
    for _ in range(depth):
        chain = {"https://hostile.example/next": chain}
    return credential_with(evidence=[{"type": ["Evidence"], "https://hostile.example/chain": chain}])


def wide_credential(objects: int = 5000) -> dict:
    """Thousands of blank nodes hanging off one: each adds to every other's hashing."""
    nodes = [{"https://hostile.example/n": i} for i in range(objects)]
    return credential_with(evidence=[{"type": ["Evidence"], "https://hostile.example/all": nodes}])


HOSTILE = "https://hostile.example/"


def poison_credential(nodes: int = 8) -> dict:
    """RDFC-1.0's poison graph: evidence whose blank nodes all look alike and all point at each other.

    Putting them in canonical order tries every ordering of every group of alike neighbours, at every
    step of a path through them: 7 such nodes (2 KB) took 5 to 30 s, 8 nodes over a minute.
    """
    ids = [f"_:p{i}" for i in range(nodes)]
    linked = [{"@id": i, HOSTILE + "knows": [{"@id": j} for j in ids if j != i]} for i in ids]
    return credential_with(evidence=[{"type": ["Evidence"], HOSTILE + "all": linked}])


def merge_bomb_credential(values: int = 6000) -> dict:
    """One node with thousands of values for one property: JSON-LD merges them, comparing each with all."""
    return credential_with(evidence=[{"type": ["Evidence"], HOSTILE + "v": [str(i) for i in range(values)]}])


def same_id_merge_bomb_credential(objects: int = 400, values: int = 40) -> dict:
    """Hundreds of small objects that all name the same @id, so all their values merge into one node."""
    same = [
        {"@id": "urn:uuid:same", HOSTILE + "v": [f"{o}-{i}" for i in range(values)]} for o in range(objects)
    ]
    return credential_with(evidence=[{"type": ["Evidence"], HOSTILE + "all": same}])


def scoped_context_credential(terms: int = 2000, nodes: int = 480) -> dict:
    """An inline type-scoped context of thousands of terms, applied afresh to each of hundreds of nodes."""
    scoped = {f"t{i}": f"{HOSTILE}t{i}" for i in range(terms)}
    document = credential_with(evidence=[{"type": ["Evidence", "T"], "t0": "x"} for _ in range(nodes)])
    return {
        **document,
        "@context": [*document["@context"], {"T": {"@id": f"{HOSTILE}T", "@context": scoped}}],
    }


def near_every_limit_credential() -> dict:
    """Just under each work limit at once: an inline scoped context over 440 nodes, 600 values merged
    into one node, and 5 alike linked blank nodes for RDFC-1.0 to order (verified, not refused)."""
    ids = [f"_:p{i}" for i in range(5)]
    linked = [{"@id": i, HOSTILE + "knows": [{"@id": j} for j in ids if j != i]} for i in ids]
    values = [str(i) for i in range(600)]
    evidence = [{"type": ["Evidence", "T"], HOSTILE + "v": values, HOSTILE + "all": linked}]
    evidence += [{"type": ["Evidence", "T"], "t0": "x"} for _ in range(440)]
    document = credential_with(evidence=evidence)
    scoped = {f"t{i}": f"{HOSTILE}t{i}" for i in range(185)}
    return {
        **document,
        "@context": [*document["@context"], {"T": {"@id": f"{HOSTILE}T", "@context": scoped}}],
    }


def huge_proof_value_credential(chars: int = 300_000) -> dict:
    """A proofValue of 300,000 base58 characters: decoding base58 is quadratic in its length."""
    document = credential_with()
    return {**document, "proof": {**document["proof"], "proofValue": "z" + "2" * chars}}


def huge_did_key_credential(chars: int = 300_000) -> dict:
    """A did:key issuer whose key is 300,000 base58 characters long."""
    did = "did:key:z" + "2" * chars
    document = credential_with()
    proof = {**document["proof"], "verificationMethod": f"{did}#key"}
    return {**document, "issuer": {**document["issuer"], "id": did}, "proof": proof}


def large_legitimate_credential(private_key: bytes, alignments: int = 260) -> dict:
    """A did:key credential near 60 KB, signed by private_key: hundreds of alignments (blank nodes),
    and evidence entries that are exactly alike (so RDFC-1.0 must compare paths, a little)."""
    from chalicelib.openbadges import dataintegrity

    key = dataintegrity.multikey(dataintegrity.public_key(private_key))
    document = {k: v for k, v in credential_with().items() if k != "proof"}
    did = f"did:key:{key}"
    document["issuer"] = {**document["issuer"], "id": did}
    subject = document["credentialSubject"]
    subject["achievement"]["alignment"] = [
        {
            "type": ["Alignment"],
            "targetName": f"Skill {i}: reading and questioning tables of data",
            "targetUrl": f"https://skills.example/framework/2026/skill/{i}",
            "targetDescription": "Reads a table, asks where its numbers come from.",
        }
        for i in range(alignments)
    ]
    document["evidence"] = [{"type": ["Evidence"], "narrative": "Same narrative."} for _ in range(4)]
    return dataintegrity.sign(
        document, private_key=private_key, verification_method=f"{did}#{key}", created="2026-01-01T00:00:00Z"
    )


# --- CSV ---------------------------------------------------------------------------------------------

FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)")


def huge_csv(byte_cap: int) -> bytes:
    """A CSV one byte over the body cap."""
    header = b"recipient_email,narrative\n"
    line = b"someone@example.org," + b"x" * 1000 + b"\n"
    body = header + line * (byte_cap // len(line) + 1)
    return body[: byte_cap + 1]


def many_rows_csv(rows: int) -> bytes:
    return ("recipient_email\n" + "".join(f"r{i}@example.org\n" for i in range(rows))).encode()


def huge_cell_csv(size: int = 300_000) -> bytes:
    """One quoted cell larger than the csv module's field limit (128 kB)."""
    return b'recipient_email,narrative\na@example.org,"' + b"n" * size + b'"\n'


def unterminated_quote_csv() -> bytes:
    """A quote opened and never closed: the rest of the file becomes one cell."""
    return b'recipient_email,recipient_name\na@example.org,"Ada\n' + b"b@example.org,Bob\n" * 20_000


def cr_only_csv() -> bytes:
    """Classic Mac line endings: bare CR between rows."""
    return b"recipient_email,recipient_name\ra@example.org,Ada\rb@example.org,Bob\r"


def nul_csv() -> bytes:
    return b"recipient_email,recipient_name\na@example.org,A\x00da\n"


def latin1_csv() -> bytes:
    """A CSV saved as Latin-1 (Excel's "CSV" on some systems), not UTF-8."""
    return "recipient_email,recipient_name\nzoe@example.org,Zoë Çelik\n".encode("latin-1")


def formula_csv() -> bytes:
    """Recipients whose names (and narratives) are spreadsheet formulas."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["recipient_email", "recipient_name", "narrative"])
    for i, formula in enumerate(FORMULAS):
        writer.writerow([f"formula{i}@example.org", formula, formula])
    return out.getvalue().encode()


# --- JSON --------------------------------------------------------------------------------------------


def deeply_nested_json(depth: int = 100_000, opener: str = "[") -> bytes:
    closer = {"[": "]", "{": "}"}[opener]
    if opener == "{":
        return ('{"a":' * depth + "1" + "}" * depth).encode()
    return (opener * depth + closer * depth).encode()


def nested_just_under_limit(depth: int = 900) -> str:
    """Nesting the parser accepts (under the recursion limit) but that code walking it may not."""
    return '{"a":' * depth + "1" + "}" * depth


def big_json_body(size: int = 1_100_000) -> bytes:
    """A well-formed JSON object just over a megabyte."""
    return json.dumps({"recipient_email": "a@example.org", "narrative": "n" * size}).encode()


DUPLICATE_KEYS = b'{"recipient_email": "a@example.org", "recipient_email": "b@example.org"}'
NAN_VALUES = (b'{"recipient_email": NaN}', b'{"recipient_email": "a@example.org", "notify": Infinity}')
HUGE_NUMBER = b'{"recipient_email": "a@example.org", "notify": 1' + b"0" * 5000 + b"}"
HUGE_FLOAT = b'{"recipient_email": "a@example.org", "notify": 1e999999}'
LONE_SURROGATE = b'{"recipient_email": "a@example.org", "recipient_name": "Ada \\ud800"}'


# --- email addresses ---------------------------------------------------------------------------------

# Different spellings of one address: they must normalise (and hash) the same.
EQUIVALENT_EMAILS = (
    ("ada@bücher.example", "ADA@BÜCHER.EXAMPLE", "  ada@xn--bcher-kva.example ", "ada@bu\u0308cher.example"),
    ("josé@example.org", "JOSÉ@Example.ORG", "jose\u0301@example.org"),
    ("用户@例子.广告", "用户@例子.广告 "),
)
INVALID_EMAILS = (
    "ada@",
    "@example.org",
    "ada@@example.org",
    "ada@example..org",
    "ada@-example.org",
    "ada@exa mple.org",
    "ada\u0000@example.org",
    "ada@xn--zz.example",
    "ada@example.org,bob@example.org",
    "ada@" + "x" * 250 + ".org",
    "ada@\u202eexample.org",
    "\ud800@example.org",
)
