"""Time the 1EdTech Open Badges 2.0 validator in-process; run by bench/verify_speed.py inside .venv-validator.

`.venv-validator/bin/python bench/validator_speed.py URL RECIPIENT N` imports the validator once, installs
the offline network policy of tests/validator/run.py (the same bundled-context loader the tests use;
requests to 127.0.0.1 reach the real server), verifies URL once to warm up, then times N verifications
of it, each `openbadges.verify(url, recipient_profile={"email": RECIPIENT}, use_cache=False)` as the
harness calls it. Interpreter start-up and imports are not counted. Prints one JSON line.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import statistics
import sys
import time
from pathlib import Path

HARNESS = Path(__file__).resolve().parent.parent / "tests" / "validator" / "run.py"


def _harness():
    spec = importlib.util.spec_from_file_location("validator_harness", HARNESS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    url, recipient, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    started = time.perf_counter()
    harness = _harness()
    harness.install_network_policy()
    import openbadges

    logging.getLogger("openbadges.verifier").disabled = True  # as the harness does without --debug
    import_s = time.perf_counter() - started

    def once() -> dict:
        return openbadges.verify(url, recipient_profile={"email": recipient}, use_cache=False, cache_backend=None)

    report = once()["report"]
    runs = []
    for _ in range(n):
        start = time.perf_counter()
        once()
        runs.append(time.perf_counter() - start)
    json.dump(
        {
            "valid": bool(report["valid"]),
            "errorCount": int(report["errorCount"]),
            "warningCount": int(report["warningCount"]),
            "errors": [f"{m['name']}: {m['result']}" for m in report["messages"] if m["messageLevel"] == "ERROR"],
            "median_s": statistics.median(runs),
            "runs_s": runs,
            "import_s": import_s,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
