"""Cold start: the import time of the app module against `import chalice, boto3` alone.

Each figure is the median over fresh interpreters (no module cache shared between runs); the two
kinds of run alternate so a noisy machine slows both alike. `offenders()` reads `python -X importtime`
to name the modules of ours and the third-party packages that cost the most.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "import chalice, boto3"
APP = "import app"
# Services load on first use, so also time what a hosted-assertion GET adds on a cold Lambda.
HOSTED_GET = (
    "import app; from chalicelib.services.hosting import documents, hosted;"
    " from chalicelib.store import current; hosted.__file__; documents.__file__; current().awards"
)
TIMER = (
    "import time; t, c = time.perf_counter(), time.process_time(); {stmt}; "
    "print(time.perf_counter() - t, time.process_time() - c)"
)
ENV = {
    "STAGE": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "PUBLIC_BASE_URL": "https://badges.example",
}


def _env() -> dict:
    env = {**os.environ, **ENV, "PYTHONDONTWRITEBYTECODE": "0"}
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _time_once(stmt: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of `stmt` in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", TIMER.format(stmt=stmt)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu = result.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def measure(runs: int = 7) -> dict:
    """Medians of `import app` and of `import chalice, boto3` (wall and CPU time), and their ratios.

    The CPU-time ratio is the one to trust on a shared machine: waiting for a core does not count.
    """
    _time_once(APP)  # warm the bytecode cache and the OS file cache once, not counted
    _time_once(BASELINE)
    app_times, base_times, get_times = [], [], []
    for _ in range(runs):
        base_times.append(_time_once(BASELINE))
        app_times.append(_time_once(APP))
        get_times.append(_time_once(HOSTED_GET))
    app_wall = statistics.median(t[0] for t in app_times)
    base_wall = statistics.median(t[0] for t in base_times)
    app_cpu = statistics.median(t[1] for t in app_times)
    base_cpu = statistics.median(t[1] for t in base_times)
    return {
        "app_s": app_wall,
        "baseline_s": base_wall,
        "ratio": app_wall / base_wall,
        "app_cpu_s": app_cpu,
        "baseline_cpu_s": base_cpu,
        "cpu_ratio": app_cpu / base_cpu,
        "hosted_get_cpu_ratio": statistics.median(t[1] for t in get_times) / base_cpu,
        "runs": runs,
    }


_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def importtime(stmt: str = APP) -> list[tuple[str, int, int, int]]:
    """(module, self µs, cumulative µs, depth) for every module `stmt` imports, from -X importtime."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", stmt],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in result.stderr.splitlines():
        match = _LINE.match(line)
        if match:
            self_us, cumulative_us, indent, module = match.groups()
            rows.append((module, int(self_us), int(cumulative_us), (len(indent) - 1) // 2))
    return rows


def _ours(module: str) -> bool:
    return module == "app" or module.startswith("chalicelib")


def _by_package(rows, keep) -> list[tuple[str, float]]:
    totals: dict[str, int] = {}
    for module, self_us, _cum, _depth in rows:
        if keep(module):
            package = module if _ours(module) else module.split(".")[0]
            totals[package] = totals.get(package, 0) + self_us
    return sorted(((p, us / 1000) for p, us in totals.items()), key=lambda x: -x[1])


def offenders(top: int = 8) -> dict:
    """Where `import app` spends its time beyond `import chalice, boto3` (self times, in ms).

    - ours: our own modules (app, chalicelib.*), each by its own self time;
    - extra: third-party packages the app imports that the baseline does not;
    - skipped: packages of the baseline the app does not import at all (boto3 is lazy in
      chalicelib.store.aws, so the first request that uses SQS, SES or S3 pays for it).
    """
    baseline_rows = importtime(BASELINE)
    baseline = {row[0] for row in baseline_rows}
    rows = importtime(APP)
    imported = {row[0] for row in rows}
    return {
        "ours": _by_package(rows, _ours)[:top],
        "extra": _by_package(rows, lambda m: not _ours(m) and m not in baseline)[:top],
        "skipped": _by_package(baseline_rows, lambda m: m not in imported)[:top],
    }


if __name__ == "__main__":
    figures = measure()
    for kind, suffix in (("wall", ""), ("CPU", "_cpu")):
        print(
            f"{kind}: import app {figures[f'app{suffix}_s'] * 1000:.0f} ms, "
            f"chalice+boto3 {figures[f'baseline{suffix}_s'] * 1000:.0f} ms, "
            f"ratio {figures[f'{kind.lower()}_ratio' if suffix else 'ratio']:.2f}"
        )
    found = offenders()
    for kind in ("ours", "extra", "skipped"):
        print(f"{kind} (self ms):", ", ".join(f"{m} {ms:.1f}" for m, ms in found[kind]))
