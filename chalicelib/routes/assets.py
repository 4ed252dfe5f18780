"""Our own static files (the pages' scripts): the CSP allows script only from our origin, never inline."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from chalice import Blueprint, Response

from chalicelib.errors import NotFound
from chalicelib.web.http import route

blueprint = Blueprint(__name__)
FOLDER = Path(__file__).resolve().parent.parent / "assets"
# Served by name from this list only: a requested name is never joined to a path unchecked.
FILES = {
    "share.js": "text/javascript; charset=utf-8",
    "laurel.svg": "image/svg+xml",
    "passkeys.js": "text/javascript; charset=utf-8",
}


@lru_cache(maxsize=len(FILES))
def read_asset(name: str) -> str:
    """One of FILES, read once per Lambda container."""
    return (FOLDER / name).read_text()


@route(blueprint, "/assets/{name}", methods=["GET"])
def asset(name):
    if name not in FILES:
        raise NotFound("No such file.")
    headers = {"Content-Type": FILES[name], "Cache-Control": "public, max-age=3600"}
    return Response(body=read_asset(name), status_code=200, headers=headers)
