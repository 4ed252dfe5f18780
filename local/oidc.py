"""Sign-in providers for `make run` and the tests: a real OpenID provider (npm oidc-provider, in
tests/oidc) started beside the stack, or the providers a developer describes in .laurel/oidc.json.

.laurel/oidc.json: {"providers": [<OIDC_PROVIDERS entries>],
                    "secrets": {"/laurel/local/oidc/<id>": "<value>"}}
Without it, `make run` starts the test provider (any login name works; one starting "unverified" gives
email_verified: false), labelled as such on the login page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OIDC_DIR = ROOT / "tests" / "oidc"
CONFIG = ROOT / ".laurel" / "oidc.json"
TAMPER = ("tamper-wrong-nonce", "tamper-wrong-aud", "tamper-expired", "tamper-foreign-key")


def install() -> Path:
    """tests/oidc with its node_modules (npm ci from the committed lock file when missing)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("node and npm are needed for the test OpenID provider (tests/oidc)")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=OIDC_DIR,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-4000:])
    return OIDC_DIR


def start_idp(port: int, redirect_base: str) -> subprocess.Popen:
    """`node provider.mjs PORT REDIRECT_BASE`, once it prints "ready"."""
    proc = subprocess.Popen(
        ["node", "provider.mjs", str(port), redirect_base],
        cwd=install(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # Ctrl-C reaches make run, which stops it in order
    )
    ready = threading.Event()

    def watch() -> None:
        for line in proc.stdout:
            if line.strip() == "ready":
                ready.set()

    threading.Thread(target=watch, daemon=True).start()
    if not ready.wait(30):
        proc.kill()
        raise RuntimeError("the test OpenID provider did not start (tests/oidc/provider.mjs)")
    return proc


def entry(pid: str, kind: str, issuer: str, client_id: str, label: str) -> dict:
    """One OIDC_PROVIDERS entry of the test provider; its secret is named in SSM, never given."""
    secret = f"/laurel/local/oidc/{pid}"
    return {
        "id": pid,
        "kind": kind,
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": secret,
        "label": label,
    }


def live_providers(idp_base: str, *, tamper: bool = True) -> list[dict]:
    """OIDC_PROVIDERS beside the test provider: Google-like, generic, a cross-site form_post one (as Apple
    answers), and (for the tests) the clients whose ID tokens are tampered with."""
    google = f"{idp_base}/google"
    cross_site = idp_base.replace("127.0.0.1", "localhost")  # another site than the app's
    post = entry("post", "generic", f"{cross_site}/post", "laurel-post", "Post ID")
    entries = [
        entry("google", "google", google, "laurel-google", "Google"),
        entry("corp", "generic", f"{idp_base}/generic", "laurel-generic", "Corp ID"),
        post | {"extra": {"response_mode": "form_post"}},
    ]
    return entries + ([entry(t, "google", google, t, t) for t in TAMPER] if tamper else [])


def test_secrets(entries: list[dict]) -> dict[str, str]:
    """The client secrets the test provider expects, by SSM parameter name."""
    return {item["client_secret"]: f"secret-{item['client_id']}" for item in entries}


def developer_config() -> tuple[list[dict], dict[str, str]] | None:
    """The providers and secrets of .laurel/oidc.json, when a developer wrote one."""
    if not CONFIG.is_file():
        return None
    data = json.loads(CONFIG.read_text())
    return list(data.get("providers", [])), dict(data.get("secrets", {}))


def put_secrets(ssm, secrets: dict[str, str]) -> None:
    """The client secrets as SecureString parameters in the stack's SSM (moto), as a deployment keeps them."""
    for name, value in secrets.items():
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
