"""Cold start is a feature: importing the app loads no AWS SDK, no PynamoDB model and no service; each
request loads only what it needs (chalicelib/lazy.py). A module-level use of a service stand-in in a
route (as `LOGIN_REFUSED` once was) would load them all and triple the import time (bench/RESULTS.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("boto3", "botocore", "pynamodb", "jinja2", "pyld", "argon2", "cryptography")
LIGHT_SERVICES = {"chalicelib.errors", "chalicelib.services.shared.fields"}  # pure, used to parse input


def test_importing_the_app_loads_nothing_heavy():
    probe = "import json, sys, app; print(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "STAGE": "test"}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert [m for m in loaded if m.split(".")[0] in HEAVY] == []
    # the capability packages themselves are light: their __init__ only declares the on-first-use modules
    services = {m for m in loaded if m.startswith("chalicelib.services.") and m.count(".") > 2}
    assert services <= LIGHT_SERVICES
