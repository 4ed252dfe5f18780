"""`make issuer` (local/issuer.py create) with an image, and its refusals."""

from __future__ import annotations

import io
import json

import requests

from tests.support.live import run_issuer_cli


def test_issuer_with_image_is_published(live, tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    buffer = io.BytesIO()
    Image.new("RGB", (48, 48), "navy").save(buffer, "PNG")
    logo.write_bytes(buffer.getvalue())
    proc = run_issuer_cli(
        live,
        "create",
        "--name",
        "Guild & Co",
        "--url",
        "https://guild.example",
        "--email",
        "Badges@Guild.example",
        "--image",
        str(logo),
    )
    assert proc.returncode == 0, proc.stderr
    created = json.loads(proc.stdout)
    profile = requests.get(
        f"{live.base_url}/public/issuers/{created['issuer_id']}",
        headers={"Accept": "application/ld+json"},
        timeout=10,
    ).json()
    assert profile["name"] == "Guild & Co" and profile["email"] == "badges@guild.example"
    image = requests.get(profile["image"], timeout=10)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")


def test_issuer_cli_refuses_bad_input_with_a_sentence(live, tmp_path):
    proc = run_issuer_cli(
        live, "create", "--name", "X", "--url", "ftp://x.example", "--email", "not-an-email"
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert "url must be an absolute http(s) URL" in proc.stderr
    junk = tmp_path / "logo.png"
    junk.write_bytes(b"not an image at all")
    proc = run_issuer_cli(
        live,
        "create",
        "--name",
        "X",
        "--url",
        "https://x.example",
        "--email",
        "a@x.example",
        "--image",
        str(junk),
    )
    assert proc.returncode == 1 and "image" in proc.stderr
