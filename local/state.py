"""Where a running `make run` stack says what it is: .laurel/run-<PORT>.json, so `make issuer PORT=…`,
`make keys` and `make replay-dead-letters` reach that stack's moto and no other instance's."""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".laurel"


def path(app_port: int | str) -> Path:
    return STATE_DIR / f"run-{int(app_port)}.json"


def write(app_port: int, *, moto_url: str, app_url: str, pids: dict[str, int]) -> Path:
    """Record the running stack (atomically: a reader never sees half a file)."""
    STATE_DIR.mkdir(exist_ok=True)
    target = path(app_port)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps({"app_url": app_url, "moto_url": moto_url, "pids": pids}, indent=2))
    partial.replace(target)
    return target


def read(app_port: int | str) -> dict | None:
    """The stack recorded for this app port, or None."""
    try:
        return json.loads(path(app_port).read_text())
    except (OSError, ValueError):
        return None


def remove(app_port: int) -> None:
    """Forget the stack (again is fine)."""
    path(app_port).unlink(missing_ok=True)


def moto_url(environ: dict[str, str]) -> str | None:
    """The moto endpoint for the stack serving PORT (default 8000): its state file's, else MOTO_PORT's."""
    recorded = read(environ.get("PORT") or 8000)
    if recorded:
        return recorded["moto_url"]
    port = environ.get("MOTO_PORT")
    return f"http://127.0.0.1:{int(port)}" if port else None
