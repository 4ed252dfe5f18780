"""Baking speed, printed only: chalicelib.openbadges.baking against openbadges-bakery 1.2.4.

`python bench/baking_speed.py`

The same PNG and SVG images, small (a few KB), about 1 MB and about 10 MB, made here deterministically:
- PNG: RGB, random pixels (random.Random(seed).randbytes, so the data does not compress away), deflated
  once and split into 8 KB IDAT chunks as libpng writes them;
- SVG: paths with random coordinates and colours, as an illustration's bulk is.
Each side runs bench/bake_timer.py in its own interpreter (ours in .venv, the bakery in .venv-validator,
where it is installed), imported once; the two are asked in alternating rounds, so a busy machine slows
both alike, and each figure is the median of all its calls. Both unbake the same image, the one ours
baked. Before timing, each side's baked image is unbaked by the other (the cross-check).
"""

from __future__ import annotations

import json
import random
import statistics
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OURS_PYTHON = ROOT / ".venv" / "bin" / "python"
BAKERY_PYTHON = ROOT / ".venv-validator" / "bin" / "python"
SIZES = {"small": 4_000, "1 MB": 1_000_000, "10 MB": 10_000_000}
KINDS = ("png", "svg")
IDAT_BYTES = 8192  # libpng's IDAT chunk size
BATCH_S = 0.05  # each side's calls per round last about this long (at least one call)
ROUNDS = 5
ASSERTION_URL = "https://badges.example/public/assertions/3f2a9c0e-bench"


def png_image(target: int, seed: int = 0) -> bytes:
    """An RGB PNG of about `target` bytes: random pixels, no filter, deflated, 8 KB IDAT chunks."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    side = max(8, int((target / 3) ** 0.5))
    rng = random.Random(seed)
    raw = b"".join(b"\x00" + rng.randbytes(side * 3) for _ in range(side))
    deflated = zlib.compress(raw, 1)
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    idat = [chunk(b"IDAT", deflated[i : i + IDAT_BYTES]) for i in range(0, len(deflated), IDAT_BYTES)]
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + b"".join(idat) + chunk(b"IEND", b"")


def svg_image(target: int, seed: int = 0) -> bytes:
    """An SVG of about `target` bytes: filled cubic-curve paths with random points and colours."""
    rng = random.Random(seed)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">\n'
        '<title>Bench badge</title><circle cx="256" cy="256" r="240" fill="#2e7d32"/>\n'
    ]
    size = len(parts[0])
    while size < target - 10:
        points = " ".join(
            f"C{rng.uniform(0, 512):.2f},{rng.uniform(0, 512):.2f} {rng.uniform(0, 512):.2f},"
            f"{rng.uniform(0, 512):.2f} {rng.uniform(0, 512):.2f},{rng.uniform(0, 512):.2f}"
            for _ in range(8)
        )
        start = f"M{rng.uniform(0, 512):.2f},{rng.uniform(0, 512):.2f}"
        path = f'<path d="{start} {points} Z" fill="#{rng.randrange(0x1000000):06x}" opacity="0.8"/>\n'
        parts.append(path)
        size += len(path)
    parts.append("</svg>\n")
    return "".join(parts).encode()


def assertion_text() -> str:
    """A hosted OB 2.0 assertion, as the app bakes it (about 400 bytes of JSON)."""
    sys.path.insert(0, str(ROOT))
    from datetime import UTC, datetime

    from chalicelib.openbadges import ob2

    return json.dumps(
        ob2.assertion(
            id=ASSERTION_URL,
            badge="https://badges.example/public/badges/7d1e",
            identity=ob2.hashed_identity("ada@example.org", "b3nch"),
            salt="b3nch",
            issued_on=datetime(2026, 3, 1, tzinfo=UTC),
            verification=ob2.hosted_verification(),
        )
    )


class _Timer:
    """bench/bake_timer.py in one interpreter: imported once, answering one command at a time."""

    def __init__(self, python: Path, side: str, payload: Path) -> None:
        self.proc = subprocess.Popen(
            [str(python), str(HERE / "bake_timer.py"), side, str(payload)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.ready = self.ask(None)

    def ask(self, command: dict | None):
        if command is not None:
            self.proc.stdin.write(json.dumps(command) + "\n")
            self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench/bake_timer.py stopped: {self.proc.stderr.read()[-3000:]}")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _cross_check(ours: _Timer, bakery: _Timer, kind: str, source: Path, work: Path, text: str) -> dict:
    """Each side bakes; each unbakes both results. Returns the baked paths and the verdicts."""
    baked = {name: work / f"{source.stem}-{name}.{kind}" for name in ("ours", "bakery")}
    for name, timer in (("ours", ours), ("bakery", bakery)):
        assert timer.ask({"op": "bake", "kind": kind, "image": str(source), "out": str(baked[name])})["ok"]
    read = {
        (reader, maker): timer.ask({"op": "unbake", "kind": kind, "image": str(baked[maker])})["text"]
        for reader, timer in (("ours", ours), ("bakery", bakery))
        for maker in ("ours", "bakery")
    }
    if read["ours", "ours"] != text:
        raise RuntimeError(f"ours does not unbake its own {kind}: {str(read['ours', 'ours'])[:200]}")
    return {
        "baked": baked,
        # the bakery reads an SVG's verify attribute first: it gets the URL back, by its design
        "bakery_reads_ours": read["bakery", "ours"] is not None
        and read["bakery", "ours"] == read["bakery", "bakery"],
        "ours_reads_bakery": read["ours", "bakery"] == text,
        "identical": baked["ours"].read_bytes() == baked["bakery"].read_bytes(),
        "bytes": source.stat().st_size,
    }


def _batch(timer: _Timer, what: str, kind: str, image: Path) -> int:
    """Calls per round for about BATCH_S seconds, from one call (which also warms the path up)."""
    (one,) = timer.ask({"op": "time", "what": what, "kind": kind, "image": str(image), "n": 1})
    return max(1, min(2000, round(BATCH_S / one)))


def _timed(ours: _Timer, bakery: _Timer, what: str, kind: str, image: Path, rounds: int) -> dict:
    """Alternating rounds of ours and the bakery's on one image; medians and their ratio."""
    sides = {"ours": ours, "bakery": bakery}
    batch = {name: _batch(timer, what, kind, image) for name, timer in sides.items()}
    runs: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, timer in sides.items():
            command = {"op": "time", "what": what, "kind": kind, "image": str(image), "n": batch[name]}
            runs[name] += timer.ask(command)
    medians = {name: statistics.median(r) for name, r in runs.items()}
    return {
        "ours_s": medians["ours"],
        "bakery_s": medians["bakery"],
        "ours_runs": len(runs["ours"]),
        "bakery_runs": len(runs["bakery"]),
        "ratio": medians["bakery"] / medians["ours"],
    }


def measure(rounds: int = ROUNDS) -> dict:
    """Bake and unbake timings for every kind and size: {"rows": [...]} or {"missing": reason}."""
    if not BAKERY_PYTHON.exists():
        return {"missing": "no .venv-validator (run tests/validator/setup.sh)"}
    text = assertion_text()
    rows = []
    with tempfile.TemporaryDirectory(prefix="laurel-bake-") as tmp:
        work = Path(tmp)
        payload = work / "payload.json"
        payload.write_text(json.dumps({"text": text, "verify": ASSERTION_URL}))
        ours = _Timer(OURS_PYTHON, "ours", payload)
        bakery = _Timer(BAKERY_PYTHON, "bakery", payload)
        try:
            for kind in KINDS:
                for label, target in SIZES.items():
                    source = work / f"{label.replace(' ', '')}.{kind}"
                    source.write_bytes((png_image if kind == "png" else svg_image)(target))
                    checked = _cross_check(ours, bakery, kind, source, work, text)
                    baked = checked.pop("baked")
                    row = {"kind": kind, "size": label, **checked}
                    row["bake"] = _timed(ours, bakery, "bake", kind, source, rounds)
                    row["unbake"] = _timed(ours, bakery, "unbake", kind, baked["ours"], rounds)
                    rows.append(row)
        finally:
            ours.close()
            bakery.close()
    return {"rows": rows, "assertion_bytes": len(text.encode()), "bakery_python": bakery.ready["python"]}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms" if seconds < 0.01 else f"{seconds * 1000:.1f} ms"


def ratio(value: float) -> str:
    """bakery / ours: "2.3x", "0.98x", or below 0.5 also how many times slower ours is."""
    if value >= 1:
        return f"{value:.1f}x"
    return f"{value:.2f}x" if value >= 0.5 else f"{value:.3f}x (ours {1 / value:,.0f}x slower)"


def notes(result: dict, target: float) -> list[str]:
    """Why a format misses `target` (bake) or ours unbakes slower; from the figures, only when it happens."""
    if "missing" in result:
        return []
    found = []
    slow_png = [r for r in result["rows"] if r["kind"] == "png" and r["bake"]["ratio"] < target]
    if slow_png:
        big = slow_png[-1]
        figures = ", ".join(f"{r['size']} {ratio(r['bake']['ratio'])}" for r in slow_png)
        ours_ms, bakery_ms = ms(big["bake"]["ours_s"]), ms(big["bake"]["bakery_s"])
        found.append(
            f"- PNG bake is under {target:g}x ({figures}; at {big['size']} ours {ours_ms}, the bakery"
            f" {bakery_ms}): ours walks the chunk headers and copies the chunks as they are (bake_png),"
            " so what is left is that walk and one copy of the file; a faster bake would need fewer copies"
            " (writing the parts straight to S3) rather than less checking."
        )
    slow_unbake = [r for r in result["rows"] if r["kind"] == "png" and r["unbake"]["ratio"] < 1]
    if slow_unbake:
        figures = ", ".join(f"{r['size']} {ratio(r['unbake']['ratio'])}" for r in slow_unbake)
        found.append(
            f"- Unbaking a PNG, ours is the slower one, more so as the image grows ({figures}): the bakery"
            " (pypng's lazy chunk reader) stops at the baked chunk, right after IHDR, while"
            " baking.unbake_png walks every chunk header to IEND (about 1,200 for 10 MB) and CRC-checks every"
            " text chunk: a baked chunk may legally follow the image data, and a damaged one must be refused."
        )
    return found


def describe(result: dict) -> list[str]:
    if "missing" in result:
        return [f"baking: openbadges-bakery not measured: {result['missing']}"]
    lines = [f"baking, ours / openbadges-bakery, {result['assertion_bytes']} bytes of assertion, medians"]
    for r in result["rows"]:
        for what in ("bake", "unbake"):
            t = r[what]
            lines.append(
                f"  {r['kind'].upper()} {r['size']:>5} ({r['bytes']:>10,} B) {what:<6}"
                f"  ours {ms(t['ours_s']):>11} ({t['ours_runs']:>4})"
                f"  bakery {ms(t['bakery_s']):>11} ({t['bakery_runs']:>4})  ratio {ratio(t['ratio'])}"
            )
        lines.append(
            f"      cross-check: bakery unbakes ours {'yes' if r['bakery_reads_ours'] else 'NO'},"
            f" ours unbakes the bakery's {'yes' if r['ours_reads_bakery'] else 'NO'},"
            f" byte-identical {'yes' if r['identical'] else 'no'}"
        )
    return lines


if __name__ == "__main__":
    print("\n".join(describe(measure(int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS))))
