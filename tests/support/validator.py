"""Call the 1EdTech Open Badges 2.0 validator (offline harness) from pytest.

The validator lives in its own virtualenv, ``.venv-validator`` (build it with
``tests/validator/setup.sh``), because its dependencies clash with ours. Each call runs
``tests/validator/run.py`` in that venv and returns its JSON report::

    {"valid": bool, "errorCount": int, "warningCount": int,
     "messages": [{"name", "messageLevel", "result", ...}, ...]}

Only 127.0.0.1/localhost URLs are reachable from the harness; the Open Badges v2 JSON-LD context
is answered from a bundled copy, and every other host fails at once.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV = REPO_ROOT / ".venv-validator"
VALIDATOR_PYTHON = VENV / "bin" / "python"
RUN_PY = REPO_ROOT / "tests" / "validator" / "run.py"
SETUP_SH = REPO_ROOT / "tests" / "validator" / "setup.sh"
TIMEOUT_SECONDS = 120


class ValidatorUnavailable(RuntimeError):
    """The validator virtualenv is missing or the harness itself failed."""


def ensure_installed(timeout: float = 900) -> None:
    """Build or refresh .venv-validator (a quick no-op when it is up to date)."""
    proc = subprocess.run(
        ["bash", str(SETUP_SH)], capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise ValidatorUnavailable(f"{SETUP_SH} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")


def validate(
    *, recipient: str, url: str | None = None, file: str | None = None, text: str | None = None
) -> dict:
    """Validate one badge given as a hosted URL, a baked image file, or JSON/JWS text."""
    if sum(x is not None for x in (url, file, text)) != 1:
        raise ValueError("give exactly one of url=, file=, text=")
    if not VALIDATOR_PYTHON.exists():
        raise ValidatorUnavailable(
            f"{VALIDATOR_PYTHON} not found: run tests/validator/setup.sh to build the validator venv"
        )
    args = [str(VALIDATOR_PYTHON), str(RUN_PY), "--recipient", recipient]
    with tempfile.TemporaryDirectory(prefix="laurel-validator-") as tmp:
        if url is not None:
            args += ["--url", url]
        elif file is not None:
            args += ["--file", str(file)]
        else:
            text_path = Path(tmp) / "input.txt"  # a file, not argv: assertions can be long
            text_path.write_text(text, encoding="utf-8")
            args += ["--text-file", str(text_path)]
        try:
            proc = subprocess.run(
                args, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False, cwd=REPO_ROOT
            )
        except subprocess.TimeoutExpired as exc:
            raise ValidatorUnavailable(f"validator timed out after {TIMEOUT_SECONDS}s: {args}") from exc
    if proc.returncode != 0:
        raise ValidatorUnavailable(
            f"validator harness failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise ValidatorUnavailable(f"validator printed no JSON:\n{proc.stdout[-2000:]}") from exc


def errors(report: dict) -> list[str]:
    """The ERROR messages of a report, as 'NAME: result' lines (handy in assertion messages)."""
    return [f"{m['name']}: {m['result']}" for m in report["messages"] if m["messageLevel"] == "ERROR"]
