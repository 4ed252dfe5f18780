"""The Digital Credentials Consortium's verifiers (npm, in tests/dcc), run on our OB 3.0 credentials."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

DCC = Path(__file__).resolve().parents[1] / "dcc"


def install() -> Path:
    """tests/dcc with its node_modules installed (npm ci from the committed lock file when one is missing)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("node and npm are needed for the DCC verifiers (tests/dcc)")
    needed = ("vc", "verifier-core")
    if not all((DCC / "node_modules" / "@digitalcredentials" / name).is_dir() for name in needed):
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=DCC, capture_output=True, text=True, timeout=600
        )
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-4000:])
    return DCC


def vc_verify(tmp_path: Path, credential: dict) -> dict:
    """tests/dcc/verify.mjs: @digitalcredentials/vc with a loader that also dereferences `url#fragment`."""
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(credential))
    proc = subprocess.run(
        ["node", "verify.mjs", str(path)], cwd=DCC, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def verifier_core(tmp_path: Path, credential: dict) -> dict:
    """tests/dcc/verifier_core.mjs: the wallets' @digitalcredentials/verifier-core, as its README calls it."""
    path, result = tmp_path / "credential.json", tmp_path / "verifier-core.json"
    path.write_text(json.dumps(credential))
    result.unlink(missing_ok=True)
    proc = subprocess.run(
        ["node", "verifier_core.mjs", str(path), str(result)],
        cwd=DCC,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(result.read_text())


def log_of(result: dict) -> dict[str, bool | None]:
    """verifier-core's log as {step id: valid}; a step that ended in an error reads None."""
    return {step["id"]: step.get("valid") for step in result.get("log", [])}
