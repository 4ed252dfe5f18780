"""The front door: the home page at `/` (what Laurel is, sign in, verify a badge, for issuers) and the
site icon at `/favicon.ico` (browsers ask for it on every page)."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.routes.assets import read_asset
from chalicelib.web import pagekit
from chalicelib.web.sessions import current_account

blueprint = Blueprint(__name__)
ICON_HEADERS = {"Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400"}


@pagekit.page(blueprint, "/")
def home():
    request = blueprint.current_request
    return pagekit.html(request, "pages/home.html", account=current_account(request))


@pagekit.page(blueprint, "/favicon.ico")
def favicon():
    # An SVG under the .ico name: every current browser reads the type from Content-Type, not the name.
    return Response(body=read_asset("laurel.svg"), status_code=200, headers=ICON_HEADERS)
