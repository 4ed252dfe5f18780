"""`make fuzz`: a long schemathesis run against a freshly started local stack.

Starts moto + pump + `chalice local` (local/serve.py), creates an issuer with an API key and the
objects of tests/fuzz/harness.make_targets, then runs every schemathesis phase (coverage, fuzzing,
stateful) with the key and, shorter, without one. Prints the requests made and the failures by check;
exits 1 when any check failed or fewer requests than --min-requests were made.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("STAGE", "test")  # the harness reads chalicelib's limits; STAGE has no default

from local import serve  # noqa: E402
from tests.fuzz import harness  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tests/fuzz/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=150, help="fuzzing examples per operation (150)")
    parser.add_argument("--seed", type=int, default=20260501, help="the run's seed (reproducible)")
    parser.add_argument("--min-requests", type=int, default=5000, help="fail below this many (5000)")
    return parser.parse_args(argv)


def create_issuer(stack: serve.Stack) -> str:
    """A new issuer through the CLI (`make issuer`); its API key."""
    profile = ["--name", "Fuzz Consortium", "--url", "https://fuzz.example", "--email", "b@fuzz.example"]
    proc = subprocess.run(
        [sys.executable, "local/issuer.py", "create", *profile],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(proc.stdout)["api_key"]


def run_engine(schema, failures: dict, errors: list[str]) -> None:
    """All phases of one schemathesis run; failures land in `failures` by (check, operation, title)."""
    from schemathesis.engine import Status, events, from_schema

    started, before = time.monotonic(), 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    if node.status == Status.FAILURE and node.failure_info is not None:
                        failure = node.failure_info.failure
                        key = (node.name, failure.operation or event.label or "?", failure.title)
                        failures.setdefault(key, node.failure_info.code_sample)
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {type(event.value).__name__}: {event.value}")
        elif isinstance(event, events.FatalError):
            errors.append(f"fatal: {type(event.exception).__name__}: {event.exception}")
        elif isinstance(event, events.PhaseStarted):
            started, before = time.monotonic(), sum(harness.requests_made().values())
            if event.payload is not None and event.phase.is_enabled:  # stateful: the links it follows
                print(f"  stateful: {event.payload.transitions_selected} transitions between operations")
        elif isinstance(event, events.PhaseFinished) and event.phase.is_enabled:
            made = sum(harness.requests_made().values()) - before
            if made:
                seconds = time.monotonic() - started
                print(f"  {event.phase.name.value}: {made:,} requests in {seconds:.0f} s", flush=True)


def summary(failures: dict, errors: list[str], requests: Counter, seconds: float) -> str:
    by_check = Counter(check for check, _, _ in failures)
    lines = [
        "",
        f"Requests made: {sum(requests.values()):,} in {seconds:.0f} s "
        f"({sum(requests.values()) / max(seconds, 1):.0f}/s) over {len(requests)} method+path pairs",
        "Failures by check:" if failures else "Failures: none",
        *(f"  {check}: {count}" for check, count in sorted(by_check.items())),
        "Slowest responses: " + ", ".join(f"{op} {s:.1f} s" for op, s in harness.slowest(5)),
    ]
    for (check, operation, title), sample in sorted(failures.items()):
        lines += ["", f"--- {check} on {operation}: {title}", sample]
    lines += [f"Error: {error}" for error in errors]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    log_path = Path(tempfile.mkdtemp(prefix="laurel-fuzz-")) / "stack.log"
    started = time.monotonic()
    with log_path.open("w") as log:
        stack = serve.start_stack(serve.free_port(), serve.free_port(), log=log, base=dict(os.environ))
        try:
            print(f"Stack up at {stack.base_url} (log: {log_path}); seed {args.seed}", flush=True)
            targets = harness.make_targets(stack.base_url, create_issuer(stack))
            failures: dict = {}
            errors: list[str] = []
            print("With the issuer's API key:", flush=True)
            schema = harness.load_schema(targets, seed=args.seed, max_examples=args.examples, stateful=True)
            run_engine(schema, failures, errors)
            print("Without a key:", flush=True)
            anonymous = harness.load_schema(
                targets, seed=args.seed, max_examples=max(args.examples // 5, 1), authenticated=False
            )
            run_engine(anonymous, failures, errors)
        finally:
            stack.stop()
    requests = harness.requests_made()
    print(summary(failures, errors, requests, time.monotonic() - started))
    if sum(requests.values()) < args.min_requests:
        print(f"Too few requests: fewer than {args.min_requests:,}.", file=sys.stderr)
        return 1
    return 1 if failures or errors else 0


if __name__ == "__main__":
    sys.exit(main())
