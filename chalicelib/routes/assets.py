"""Our own static files (the pages' scripts, styles and workers): the CSP allows script only from our origin,
never inline. The "I'm not a robot" widget is ALTCHA's, copied from npm (tests/web) into chalicelib/assets/
so the Lambda package carries it; its challenge comes from /altcha/challenge, on our origin too."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from chalice import Blueprint, Response

from chalicelib.errors import NotFound
from chalicelib.services.shared import proof_of_work
from chalicelib.store import current
from chalicelib.web.http import route

blueprint = Blueprint(__name__)
FOLDER = Path(__file__).resolve().parent.parent / "assets"
SCRIPT = "text/javascript; charset=utf-8"
# Served by name from this list only: a requested name is never joined to a path unchecked.
FILES = {
    "share.js": SCRIPT,
    "laurel.svg": "image/svg+xml",
    "passkeys.js": SCRIPT,
    "altcha.js": SCRIPT,  # altcha@3.2.2 dist/external/altcha.min.js (no bundled worker, CSS apart)
    "altcha.css": "text/css; charset=utf-8",  # altcha@3.2.2 dist/external/altcha.css
    "altcha-pbkdf2.js": SCRIPT,  # altcha@3.2.2 dist/workers/pbkdf2.js: the proof-of-work worker
    "altcha-setup.js": SCRIPT,  # ours: registers that worker with the widget
}


@lru_cache(maxsize=len(FILES))
def read_asset(name: str) -> str:
    """One of FILES, read once per Lambda container."""
    return (FOLDER / name).read_text(encoding="utf-8")


@route(blueprint, "/assets/{name}", methods=["GET"])
def asset(name):
    if name not in FILES:
        raise NotFound("No such file.")
    headers = {"Content-Type": FILES[name], "Cache-Control": "public, max-age=3600"}
    return Response(body=read_asset(name), status_code=200, headers=headers)


@route(blueprint, "/altcha/challenge", methods=["GET"])
def altcha_challenge():
    """A fresh proof-of-work challenge for the widget: never cached, so no two forms share one."""
    body = json.dumps(proof_of_work.new_challenge(store=current()))
    headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
    return Response(body=body, status_code=200, headers=headers)
