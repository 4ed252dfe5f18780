"""The "I'm not a robot" widget we serve is exactly npm's altcha@3.2.2 (tests/web, the lock file pins it):
each file copied into chalicelib/assets/ is byte-identical to the package's, served by name with its type;
the challenge it fetches comes from our origin, signed, expiring and never cached."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "tests" / "web"
PACKAGE = WEB / "node_modules" / "altcha"
# chalicelib/assets/<name> -> the package file it was copied from (the no-external-request build).
COPIES = {
    "altcha.js": "dist/external/altcha.min.js",
    "altcha.css": "dist/external/altcha.css",
    "altcha-pbkdf2.js": "dist/workers/pbkdf2.js",
    "altcha-LICENSE.txt": "LICENSE.txt",
}


@pytest.fixture(scope="module")
def package() -> Path:
    """tests/web's node_modules/altcha (npm ci from the committed lock file when it is missing)."""
    if not (PACKAGE / "package.json").is_file():
        if shutil.which("npm") is None:
            pytest.fail("npm is needed to check the widget against its package (make test installs it)")
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=WEB, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-4000:]
    return PACKAGE


def test_the_pinned_version_is_the_installed_one(package):
    pinned = json.loads((WEB / "package.json").read_text())["dependencies"]["altcha"]
    assert pinned == json.loads((package / "package.json").read_text())["version"] == "3.2.2"


@pytest.mark.parametrize("name", sorted(COPIES))
def test_each_copied_file_is_byte_identical_to_the_package(package, name):
    ours = (ROOT / "chalicelib" / "assets" / name).read_bytes()
    assert ours == (package / COPIES[name]).read_bytes(), f"chalicelib/assets/{name} differs: copy it again"


def test_the_external_build_bundles_no_worker_and_loads_nothing_from_elsewhere():
    """The build we copy leaves the worker out (no blob: worker, CSP worker-src 'self') and its only URLs
    are namespaces, error-page links of its framework and ALTCHA's home page (a link, hidden by us)."""
    script = (ROOT / "chalicelib" / "assets" / "altcha.js").read_text(encoding="utf-8")
    assert "new Worker(" not in script and "createObjectURL" not in script
    setup = (ROOT / "chalicelib" / "assets" / "altcha-setup.js").read_text(encoding="utf-8")
    assert 'new Worker("/assets/altcha-pbkdf2.js")' in setup


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("altcha.js", "text/javascript"),
        ("altcha-setup.js", "text/javascript"),
        ("altcha-pbkdf2.js", "text/javascript"),
        ("altcha.css", "text/css"),
    ],
)
def test_the_widget_files_are_served_by_name_with_their_type(memory_client, name, kind):
    r = memory_client.http.get(f"/assets/{name}")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(kind)
    assert r.body == (ROOT / "chalicelib" / "assets" / name).read_bytes()
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_the_license_is_kept_but_not_served(memory_client):
    assert memory_client.http.get("/assets/altcha-LICENSE.txt").status_code == 404


def test_a_challenge_is_signed_expires_in_ten_minutes_and_is_never_cached(memory_client):
    from chalicelib.config import get_settings

    r = memory_client.http.get("/altcha/challenge")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    assert r.headers["Cache-Control"] == "no-store"
    challenge = json.loads(r.body)
    parameters = challenge["parameters"]
    assert parameters["algorithm"] == "PBKDF2/SHA-256" and parameters["cost"] == get_settings().altcha_cost
    assert 590 <= parameters["expiresAt"] - time.time() <= 600
    assert len(challenge["signature"]) == 64 and parameters["keySignature"]
    again = json.loads(memory_client.http.get("/altcha/challenge").body)
    assert again["parameters"]["nonce"] != parameters["nonce"]  # every form gets its own


def test_the_page_includes_the_widget_from_our_origin(memory_client):
    page = memory_client.http.get("/password/forgot").body.decode()
    assert '<altcha-widget challenge="/altcha/challenge" name="altcha" type="native"' in page
    assert '<script type="module" src="/assets/altcha.js"></script>' in page
    assert page.index("/assets/altcha.js") < page.index("/assets/altcha-setup.js")  # it registers the worker
    assert '<link rel="stylesheet" href="/assets/altcha.css">' in page and "<noscript>" in page


def test_a_solution_is_what_the_widget_sends(memory_store):
    """tests/support/altcha.py builds the field as the widget does: base64 JSON {challenge, solution}."""
    from tests.support.altcha import solved

    sent = json.loads(base64.b64decode(solved(memory_store)))
    assert set(sent) == {"challenge", "solution"} and set(sent["challenge"]) == {"parameters", "signature"}
    assert {"counter", "derivedKey"} <= set(sent["solution"])
