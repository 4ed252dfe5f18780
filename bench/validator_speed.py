"""Time the 1EdTech Open Badges 2.0 validator in-process; run by bench/verify_speed.py inside .venv-validator.

`.venv-validator/bin/python bench/validator_speed.py URL RECIPIENT` imports the validator once, installs
the offline network policy of tests/validator/run.py (the same bundled-context loader the tests use;
requests to 127.0.0.1 reach the real server) and verifies URL once to warm up, printing one JSON line
(the report's verdict and the import time). Then, for each line K read from stdin, it times K
verifications, each `openbadges.verify(url, recipient_profile={"email": RECIPIENT}, use_cache=False)` as
the harness calls it, and prints their durations in seconds as a JSON list. This lets the caller
interleave these runs with its own, so a busy machine slows both alike. Start-up is never counted.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import time
from pathlib import Path

HARNESS = Path(__file__).resolve().parent.parent / "tests" / "validator" / "run.py"


def _harness():
    spec = importlib.util.spec_from_file_location("validator_harness", HARNESS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REPLIES = sys.stdout
sys.stdout = sys.stderr  # anything the validator itself prints stays out of the replies


def _reply(value: object) -> None:
    REPLIES.write(json.dumps(value) + "\n")
    REPLIES.flush()


def main() -> int:
    url, recipient = sys.argv[1], sys.argv[2]
    started = time.perf_counter()
    harness = _harness()
    harness.install_network_policy()
    import openbadges

    logging.getLogger("openbadges.verifier").disabled = True  # as the harness does without --debug
    import_s = time.perf_counter() - started

    def once() -> dict:
        return openbadges.verify(
            url, recipient_profile={"email": recipient}, use_cache=False, cache_backend=None
        )

    report = once()["report"]
    _reply(
        {
            "valid": bool(report["valid"]),
            "errorCount": int(report["errorCount"]),
            "warningCount": int(report["warningCount"]),
            "errors": [
                f"{m['name']}: {m['result']}" for m in report["messages"] if m["messageLevel"] == "ERROR"
            ],
            "import_s": import_s,
        }
    )
    for line in sys.stdin:
        runs = []
        for _ in range(int(line)):
            start = time.perf_counter()
            once()
            runs.append(time.perf_counter() - start)
        _reply(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
