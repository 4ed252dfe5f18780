"""Verification speed, printed only (nothing asserted): Open Badges 2.0 against the 1EdTech validator,
Open Badges 3.0 eddsa-rdfc-2022 against the DCC Node libraries.

`python bench/verify_speed.py`

OB 2.0: one hosted badge (issuer profile, badge class, assertion, PNG image, documents built with
chalicelib.openbadges.ob2) is served by an http.server on 127.0.0.1 (a free port, in a thread). Both
verifiers fetch it over real HTTP from that server in the same run:
- ours: `chalicelib.openbadges.verify.verify(url, expected_email=...)` in this process, its `fetch` the
  production SafeFetcher (`services/verification/fetching.py`) with the server's port allow-listed, as the
  local stage's FETCH_ALLOW_LOOPBACK_PORTS does; a new fetcher per verification, as the API makes;
- the validator: `openbadges.verify(url, recipient_profile=...)` in-process inside .venv-validator
  (bench/validator_speed.py: imported once, offline context loader of tests/validator/run.py, start-up
  not counted); and, for reference, one whole `tests/validator/run.py` subprocess per call.
OB 3.0: bench/ob3_speed.py's sample credential and measurement, and bench/dcc_speed.mjs signing and
verifying the same credential with the same Ed25519 seed (needs node and `npm ci` in tests/dcc).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import ob3_speed  # noqa: E402

from chalicelib.openbadges import dataintegrity as di  # noqa: E402
from chalicelib.openbadges import ob2  # noqa: E402
from chalicelib.openbadges.verify import verify  # noqa: E402
from chalicelib.services.verification.fetching import SafeFetcher  # noqa: E402

VALIDATOR_PYTHON = ROOT / ".venv-validator" / "bin" / "python"
DCC_MODULES = ROOT / "tests" / "dcc" / "node_modules" / "@digitalcredentials" / "eddsa-rdfc-2022-cryptosuite"
RECIPIENT = "ada@example.org"
SALT = "b3nch"
CREATED = "2026-03-01T00:00:00Z"


def _png(size: int = 16) -> bytes:
    """A small solid-colour RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x2e\x7d\x32" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@contextmanager
def hosted_badge() -> Iterator[tuple[str, int, Counter]]:
    """Serve one hosted OB 2.0 badge; yields (assertion URL, port, requests served per path)."""
    routes: dict[str, tuple[str, bytes]] = {}
    hits: Counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            content_type, body = routes.get(self.path, ("text/plain", b"not found"))
            hits[self.path] += 1
            self.send_response(200 if self.path in routes else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    # One request at a time (both verifiers fetch one document after another, HTTP/1.0, no keep-alive):
    # a thread per request would cost more than the request itself on a busy machine, on both sides.
    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{httpd.server_port}"
    issuer = ob2.profile(
        id=f"{base}/issuers/acme", name="Acme Academy", url=base, email="badges@acme.example"
    )
    badge = ob2.badge_class(
        id=f"{base}/badges/teamwork",
        issuer=issuer["id"],
        name="Teamwork",
        description="Works well with others on a shared goal.",
        image=f"{base}/images/teamwork.png",
        criteria_narrative="Nominated by two peers and confirmed by a mentor.",
        tags=["collaboration"],
    )
    assertion = ob2.assertion(
        id=f"{base}/assertions/0b2c",
        badge=badge["id"],
        identity=ob2.hashed_identity(RECIPIENT, SALT),
        salt=SALT,
        issued_on=datetime(2026, 3, 1, tzinfo=UTC),
        verification=ob2.hosted_verification(),
    )
    for doc in (issuer, badge, assertion):
        routes[doc["id"].removeprefix(base)] = ("application/ld+json", json.dumps(doc).encode())
    routes["/images/teamwork.png"] = ("image/png", _png())
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield assertion["id"], httpd.server_port, hits
    finally:
        httpd.shutdown()
        httpd.server_close()


def _ours_once(url: str, port: int) -> dict:
    fetch = SafeFetcher(allow_loopback_ports=frozenset({port}))
    return verify(url, fetch=fetch, now=lambda: datetime.now(UTC), expected_email=RECIPIENT)


def _durations(
    call: Callable[[], object], n: int, check: Callable[[object], None] | None = None
) -> list[float]:
    """Seconds taken by each of n calls; `check` (untimed) sees each call's result."""
    runs = []
    for _ in range(n):
        start = time.perf_counter()
        result = call()
        runs.append(time.perf_counter() - start)
        if check is not None:
            check(result)
    return runs


def _ours(url: str, port: int, n: int) -> list[float]:
    return _durations(lambda: _ours_once(url, port), n)


class _Validator:
    """bench/validator_speed.py running in .venv-validator: imported once, verifying on request."""

    def __init__(self, url: str) -> None:
        self.proc = subprocess.Popen(
            [str(VALIDATOR_PYTHON), str(HERE / "validator_speed.py"), url, RECIPIENT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        self.ready = self._read()
        if not self.ready["valid"]:
            self.close()
            raise RuntimeError(f"the validator rejects the bench badge: {self.ready['errors']}")

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench/validator_speed.py stopped (exit {self.proc.wait()})")
        return json.loads(line)

    def runs(self, k: int) -> list[float]:
        """Seconds taken by each of k verifications."""
        self.proc.stdin.write(f"{k}\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _validator_subprocess(url: str, n: int) -> list[float]:
    from tests.support import validator

    def valid(report) -> None:
        if not report["valid"]:
            raise RuntimeError(f"the validator rejects the bench badge: {validator.errors(report)}")

    return _durations(lambda: validator.validate(recipient=RECIPIENT, url=url), n, valid)


def ob2_hosted(rounds: int = 10, ours_per_round: int = 8, validator_per_round: int = 4) -> dict:
    """OB 2.0 hosted verification, ours and the 1EdTech validator's, on the same served badge.

    Both are timed in alternating rounds (ours, then the validator's, `rounds` times), so drift on a
    shared machine touches both sides alike; each side's figure is the median of all its runs. The
    validator figures are None (with a reason) when .venv-validator is missing.
    """
    with hosted_badge() as (url, port, hits):
        report = _ours_once(url, port)  # warm-up, and a check that the badge is valid to us
        if report["verdict"] != "valid":
            raise RuntimeError(f"our verifier rejects the bench badge: {report['sentence']}")
        before = sum(hits.values())
        _ours_once(url, port)
        result: dict = {"url": url, "ours_requests": sum(hits.values()) - before, "validator": None}
        ours: list[float] = []
        if not VALIDATOR_PYTHON.exists():
            result["validator_missing"] = "no .venv-validator (run tests/validator/setup.sh)"
            ours = _ours(url, port, rounds * ours_per_round)
        else:
            validator = _Validator(url)
            try:
                before = sum(hits.values())
                theirs = validator.runs(1)
                result["validator_requests"] = sum(hits.values()) - before
                theirs = []
                for _ in range(rounds):
                    ours += _ours(url, port, ours_per_round)
                    theirs += validator.runs(validator_per_round)
            finally:
                validator.close()
            result["validator"] = {
                "median_s": statistics.median(theirs),
                "min_s": min(theirs),
                "runs": len(theirs),
                "import_s": validator.ready["import_s"],
                "warnings": validator.ready["warningCount"],
            }
            subprocess_runs = _validator_subprocess(url, 3)
            result["validator_subprocess_s"] = statistics.median(subprocess_runs)
            result["subprocess_runs"] = len(subprocess_runs)
    result["ours_s"] = statistics.median(ours)
    result["ours_min_s"] = min(ours)
    result["runs"] = len(ours)
    if result["validator"]:
        result["ratio"] = result["validator"]["median_s"] / result["ours_s"]
        result["min_ratio"] = result["validator"]["min_s"] / result["ours_min_s"]
    return result


def ob3(n: int = 300, dcc_runs: int = 150) -> dict:
    """OB 3.0 sign and verify ms on one core (ob3_speed's measurement), and DCC's on the same credential."""
    doc = ob3_speed.sample_credential()
    seed, public = di.generate_key(os.urandom(32))
    sign_ms, verify_ms = ob3_speed.project_path(n, doc, seed, public)
    result: dict = {"runs": n, "sign_ms": sign_ms, "verify_ms": verify_ms, "dcc": None}
    node = shutil.which("node")
    if node is None or not DCC_MODULES.exists():
        result["dcc_missing"] = (
            "node not found" if node is None else "tests/dcc/node_modules missing (npm ci)"
        )
        return result
    vm = f"{ob3_speed.ISSUER}#{di.multikey(public)}"
    signed = di.sign(doc, private_key=seed, verification_method=vm, created=CREATED)
    payload = {
        "credential": doc,
        "seed_hex": seed.hex(),
        "controller": ob3_speed.ISSUER,
        "created": CREATED,
        "n": dcc_runs,
        "signed": signed,
    }
    with tempfile.TemporaryDirectory(prefix="laurel-bench-") as tmp:
        path = Path(tmp) / "input.json"
        path.write_text(json.dumps(payload))
        proc = subprocess.run(
            [node, str(HERE / "dcc_speed.mjs"), str(path)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=ROOT,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"bench/dcc_speed.mjs failed:\n{proc.stderr[-3000:]}")
    dcc = json.loads(proc.stdout)
    if not dcc["verifies_ours"]:
        raise RuntimeError(f"DCC does not verify our credential: {dcc['errors']}")
    result["dcc"] = dcc
    result["sign_ratio"] = dcc["sign_ms"] / sign_ms
    result["verify_ratio"] = dcc["verify_ms"] / verify_ms
    return result


def describe_ob2(r: dict) -> list[str]:
    lines = [
        f"OB 2.0 hosted verification, same badge served from {r['url']}, one run",
        f"  ours (SafeFetcher, real HTTP)        median {r['ours_s'] * 1000:8.2f} ms"
        f"  of {r['runs']}, {r['ours_requests']} requests per verification",
    ]
    v = r["validator"]
    if v is None:
        return [*lines, f"  1EdTech validator: {r['validator_missing']}"]
    return [
        *lines,
        f"  1EdTech validator, in-process        median {v['median_s'] * 1000:8.2f} ms"
        f"  of {v['runs']}, {r['validator_requests']} requests per verification"
        f" (import {v['import_s']:.1f} s, not counted)",
        f"  1EdTech validator, subprocess/call   median {r['validator_subprocess_s'] * 1000:8.0f} ms"
        f"  of {r['subprocess_runs']} (reference only)",
        f"  ratio validator / ours: {r['ratio']:.1f}x (medians; fastest runs: {r['min_ratio']:.1f}x)",
    ]


def describe_ob3(r: dict) -> list[str]:
    lines = [
        f"OB 3.0 eddsa-rdfc-2022, one credential, one core, mean of {r['runs']}",
        f"  ours  sign {r['sign_ms']:6.2f} ms ({1000 / r['sign_ms']:5.0f}/s)"
        f"   verify {r['verify_ms']:6.2f} ms ({1000 / r['verify_ms']:5.0f}/s)",
    ]
    d = r["dcc"]
    if d is None:
        return [*lines, f"  DCC Node: {r['dcc_missing']}"]
    return [
        *lines,
        f"  DCC   sign {d['sign_ms']:6.2f} ms ({1000 / d['sign_ms']:5.0f}/s)"
        f"   verify {d['verify_ms']:6.2f} ms ({1000 / d['verify_ms']:5.0f}/s)"
        f"   (jsonld-signatures sign/verify, mean of {d['n']}, Node {d['node']},"
        f" eddsa-rdfc-2022-cryptosuite {d['versions']['eddsa-rdfc-2022-cryptosuite']})",
        f"  DCC   vc.issue {d['issue_ms']:.2f} ms, vc.verifyCredential {d['verify_credential_ms']:.2f} ms"
        " (reference)",
        f"  same proofValue as ours: {'yes' if d['same_proof_value'] else 'NO'};"
        f" DCC verifies ours: {'yes' if d['verifies_ours'] else 'NO'}",
        f"  ratio DCC / ours: sign {r['sign_ratio']:.1f}x, verify {r['verify_ratio']:.1f}x",
    ]


def main() -> None:
    print("\n".join(describe_ob2(ob2_hosted())), flush=True)
    print("\n".join(describe_ob3(ob3())))


if __name__ == "__main__":
    main()
