"""Open Badges 3.0 eddsa-rdfc-2022 sign and verify speed on one core, printed only (nothing asserted).

`python bench/ob3_speed.py [N]` — the project's path (PyLD with the bundled contexts cached per process,
proof configuration written directly), PyLD uncached as most code calls it, and pyoxigraph if installed.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.openbadges import dataintegrity as di
from chalicelib.openbadges import jsonld, ob3
from chalicelib.openbadges.ob2 import hashed_identity

DCC_NODE_SIGN_MS = 3.9  # CONFORMANCE.md: DCC's Node signer on one OB 3.0 credential
ISSUER = "https://laurel.example/issuers/acme"


def sample_credential() -> dict:
    """A typical credential: issuer, achievement with image and tags, hashed email, status entry."""
    return ob3.credential(
        id="https://laurel.example/public/credentials/0b3c",
        issuer=ob3.profile(id=ISSUER, name="Acme Academy", url="https://acme.example"),
        achievement=ob3.achievement(
            id="https://laurel.example/badges/teamwork",
            name="Teamwork",
            description="Works well with others on a shared goal.",
            criteria_narrative="Nominated by two peers and confirmed by a mentor.",
            image="https://laurel.example/badges/teamwork.png",
            tags=["collaboration", "soft skills"],
        ),
        identity_hash=hashed_identity("ada@example.com", "s4lt"),
        salt="s4lt",
        valid_from=datetime(2026, 3, 1, tzinfo=UTC),
        valid_until=None,
        name="Teamwork",
        status_entry=ob3.status_entry(list_url=ISSUER + "/status/1", index=4242),
    )


def per_call_ms(fn, n: int) -> float:
    """Mean milliseconds per call over n calls, after one warm-up call."""
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1000


def project_path(n: int, doc: dict, seed: bytes, public: bytes) -> tuple[float, float]:
    """Sign and verify ms with chalicelib.openbadges.dataintegrity."""
    vm = f"{ISSUER}#{di.multikey(public)}"
    signed = di.sign(doc, private_key=seed, verification_method=vm, created="2026-03-01T00:00:00Z")
    assert di.verify(signed, public)
    sign_ms = per_call_ms(
        lambda: di.sign(doc, private_key=seed, verification_method=vm, created="2026-03-01T00:00:00Z"), n
    )

    def verify_afresh() -> bool:
        di._RECENT_OUTCOMES.clear()  # the work of a verification, not the memory of the last one
        return di.verify(signed, public)

    return sign_ms, per_call_ms(verify_afresh, n)


def _sign_with(canon, doc: dict, seed: bytes) -> bytes:
    """An eddsa-rdfc-2022 signature where both canonical forms come from canon()."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    proof = {
        "@context": doc["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-03-01T00:00:00Z",
        "verificationMethod": ISSUER + "#key-1",
        "proofPurpose": "assertionMethod",
    }
    data = sha256(canon(proof).encode()).digest() + sha256(canon(doc).encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed).sign(data)


def pyld_uncached_ms(n: int, doc: dict, seed: bytes) -> float | None:
    """Sign ms with PyLD's normalize and a loader that PyLD does not cache (the usual way)."""
    try:
        from pyld import jsonld as pyld
    except ImportError:
        return None

    def loader(url, options=None):
        return {"contextUrl": None, "documentUrl": url, "document": jsonld.context_document(url)}

    opts = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    return per_call_ms(lambda: _sign_with(lambda d: pyld.normalize(d, opts), doc, seed), n)


def pyoxigraph_ms(n: int, doc: dict, seed: bytes) -> tuple[str, float | str] | None:
    """Sign ms with pyoxigraph's JSON-LD parser and RDFC-1.0, contexts inlined; None if not installed."""
    try:
        import pyoxigraph as ox
    except ImportError:
        return None

    def canon(d: dict) -> str:
        import json

        quads = ox.parse(json.dumps(jsonld.inline_contexts(d)), format=ox.RdfFormat.JSON_LD)
        dataset = ox.Dataset(quads)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        return "".join(sorted(f"{q} .\n" for q in dataset))

    try:
        if canon(doc) != di.canonicalize(doc):
            return ox.__version__, "output differs from PyLD"
    except SyntaxError as exc:  # pyoxigraph before 0.5.x's JSON-LD 1.1 support
        return ox.__version__, f"cannot parse: {exc}"
    return ox.__version__, per_call_ms(lambda: _sign_with(canon, doc, seed), n)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    doc = sample_credential()
    seed, public = di.generate_key(os.urandom(32))
    uncached = pyld_uncached_ms(n, doc, seed)  # first: the project's loader fills PyLD's shared cache
    sign_ms, verify_ms = project_path(n, doc, seed, public)
    print(f"OB 3.0 eddsa-rdfc-2022, one credential, {n} runs, one core")
    print(f"  project (PyLD + context memo)    sign {sign_ms:5.2f} ms  ({1000 / sign_ms:6.0f}/s)", end="")
    print(f"   verify {verify_ms:5.2f} ms  ({1000 / verify_ms:6.0f}/s)")
    print(f"  vs DCC Node signer {DCC_NODE_SIGN_MS} ms: {DCC_NODE_SIGN_MS / sign_ms:.1f}x faster")
    if uncached is not None:
        print(f"  PyLD normalize, uncached loader  sign {uncached:5.2f} ms  ({1000 / uncached:6.0f}/s)")
    oxi = pyoxigraph_ms(n, doc, seed)
    if oxi is None:
        print("  pyoxigraph: not installed")
    elif isinstance(oxi[1], str):
        print(f"  pyoxigraph {oxi[0]}: {oxi[1]}")
    else:
        print(f"  pyoxigraph {oxi[0]}                 sign {oxi[1]:5.2f} ms  ({1000 / oxi[1]:6.0f}/s)")


if __name__ == "__main__":
    main()
