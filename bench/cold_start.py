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
TIMER = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
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


def _time_once(stmt: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", TIMER.format(stmt=stmt)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def measure(runs: int = 7) -> dict:
    """Median seconds of `import app` and of `import chalice, boto3`, and their ratio."""
    _time_once(APP)  # warm the bytecode cache and the OS file cache once, not counted
    _time_once(BASELINE)
    app_times, base_times = [], []
    for _ in range(runs):
        base_times.append(_time_once(BASELINE))
        app_times.append(_time_once(APP))
    app_s, base_s = statistics.median(app_times), statistics.median(base_times)
    return {"app_s": app_s, "baseline_s": base_s, "ratio": app_s / base_s, "runs": runs}


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


def offenders(top: int = 8) -> dict:
    """What `import app` costs beyond `import chalice, boto3`.

    - ours: our modules (app, chalicelib.*), by cumulative time (what they pull in included);
    - extra: top-level third-party packages imported by the app but not by the baseline, by the sum of
      their modules' self time (what making them lazy would save).
    """
    baseline = {row[0] for row in importtime(BASELINE)}
    rows = importtime(APP)
    ours = sorted((r for r in rows if r[0] == "app" or r[0].startswith("chalicelib")), key=lambda r: -r[2])
    extra: dict[str, int] = {}
    for module, self_us, _cum, _depth in rows:
        if module in baseline or module == "app" or module.startswith("chalicelib"):
            continue
        package = module.split(".")[0]
        extra[package] = extra.get(package, 0) + self_us
    return {
        "ours": [(m, cum / 1000) for m, _s, cum, _d in ours[:top]],
        "extra": sorted(((p, us / 1000) for p, us in extra.items()), key=lambda x: -x[1])[:top],
    }


if __name__ == "__main__":
    figures = measure()
    print(
        f"import app {figures['app_s'] * 1000:.0f} ms, chalice+boto3 {figures['baseline_s'] * 1000:.0f} ms, "
        f"ratio {figures['ratio']:.2f}"
    )
    found = offenders()
    print("ours (cumulative ms):", ", ".join(f"{m} {ms:.0f}" for m, ms in found["ours"]))
    print("extra packages (self ms):", ", ".join(f"{p} {ms:.0f}" for p, ms in found["extra"]))
