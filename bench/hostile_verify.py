"""CPU time of verifying hostile OB 3.0 credentials, printed only (nothing asserted).

`python bench/hostile_verify.py`

Each credential of tests/hostile/corpus.py that attacks canonicalisation's work (RDFC-1.0 poison graphs,
JSON-LD value merging, inline scoped contexts) and the ~60 KB legitimate one are verified as
`POST /api/v1/verify {"json": …}` would (chalicelib.openbadges.verify.verify on the JSON text; did:key
issuers, so nothing is fetched), each in a fresh state after one warm-up verification. The figure is
`time.process_time()`: the target is every credential up to 64 KB verified or refused in <= 1 s of CPU.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib.openbadges.verify import verify  # noqa: E402
from tests.hostile import corpus  # noqa: E402

TARGET_CPU_S = 1.0
SEED = bytes(range(32))


def _cases() -> list[tuple[str, dict]]:
    return [
        ("legitimate credential, 260 alignments", corpus.large_legitimate_credential(SEED)),
        *((f"poison graph, {n} linked alike nodes", corpus.poison_credential(n)) for n in (5, 6, 7, 8, 12)),
        ("one node with 6,000 values", corpus.merge_bomb_credential()),
        ("400 objects sharing one @id", corpus.same_id_merge_bomb_credential()),
        ("inline scoped context, 2,000 terms x 480 nodes", corpus.scoped_context_credential()),
        ("just under every work limit at once", corpus.near_every_limit_credential()),
        ("proofValue of 300,000 base58 characters", corpus.huge_proof_value_credential()),
    ]


def _no_fetch(url: str) -> tuple[int, str, bytes]:
    raise AssertionError(f"nothing should be fetched: {url}")


def measure() -> list[dict]:
    """One row per hostile credential: its size, CPU seconds and the signature check's sentence."""
    verify(json.dumps(corpus.credential_with()), fetch=_no_fetch, now=lambda: datetime.now(UTC))  # warm-up
    rows = []
    for name, document in _cases():
        text = json.dumps(document)
        started = time.process_time()
        report = verify(text, fetch=_no_fetch, now=lambda: datetime.now(UTC))
        cpu = time.process_time() - started
        [signature] = [c for c in report["checks"] if c["id"] == "signature-valid"]
        rows.append(
            {
                "name": name,
                "bytes": len(text),
                "cpu_s": cpu,
                "verdict": report["verdict"],
                "sentence": signature["sentence"],
            }
        )
    return rows


def figure(row: dict) -> str:
    """A row's CPU time and outcome, as the table shows it."""
    outcome = "valid" if row["verdict"] == "valid" else row["sentence"].split(":")[-1].strip().rstrip(".")
    return f"{row['cpu_s'] * 1000:.0f} ms CPU, {outcome}"


def slowest(rows: list[dict]) -> float:
    """CPU seconds of the slowest credential up to 64 KB."""
    return max(r["cpu_s"] for r in rows if r["bytes"] <= 64 * 1024)


def main() -> None:
    rows = measure()
    for r in rows:
        print(f"{r['name']:<48} {r['bytes']:>8,} B  {figure(r)}")
    print(f"slowest credential up to 64 KB: {slowest(rows) * 1000:.1f} ms CPU (target <= {TARGET_CPU_S:g} s)")


if __name__ == "__main__":
    main()
