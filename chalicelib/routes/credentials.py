"""Open Badges 3.0 hosting: signed credentials, baked images, issuer controller documents and keys, status
lists."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.errors import NotFound
from chalicelib.store import current
from chalicelib.web.http import json_response, route

blueprint = Blueprint(__name__)
VC_JSON = "application/vc+ld+json"
LD_JSON = "application/ld+json"
OPEN = {"Access-Control-Allow-Origin": "*"}


def _credentials():
    """The OB 3.0 service, imported on first use: its crypto and JSON-LD stay out of the cold start."""
    from chalicelib.services.hosting import credentials

    return credentials


def _keys():
    from chalicelib.services.hosting import credential_keys

    return credential_keys


@route(blueprint, "/public/credentials/{assertion_id}", methods=["GET"])
def credential(assertion_id):
    document = _credentials().signed_credential(assertion_id, store=current())
    return json_response(document, content_type=VC_JSON, headers={**OPEN, "Cache-Control": "no-cache"})


@route(blueprint, "/public/credentials/{assertion_id}/{filename}", methods=["GET"])
def credential_file(assertion_id, filename):
    if filename not in ("baked.png", "baked.svg"):
        raise NotFound("No such file.")
    kind = filename[-3:]
    data = _credentials().baked_image(assertion_id, kind, store=current())
    headers = {
        "Content-Type": "image/svg+xml" if kind == "svg" else "image/png",
        "Cache-Control": "public, max-age=300",
        **OPEN,
    }
    return Response(body=data.decode() if kind == "svg" else data, status_code=200, headers=headers)


@route(blueprint, "/public/issuers/{issuer_id}/controller", methods=["GET"])
def controller(issuer_id):
    document = _keys().controller_document(issuer_id, store=current())
    return json_response(
        document, content_type=LD_JSON, headers={**OPEN, "Cache-Control": "public, max-age=300"}
    )


@route(blueprint, "/public/issuers/{issuer_id}/credential-keys/{kid}", methods=["GET"])
def credential_key(issuer_id, kid):
    document = _keys().key_document(issuer_id, kid, store=current())
    return json_response(
        document, content_type=LD_JSON, headers={**OPEN, "Cache-Control": "public, max-age=300"}
    )


@route(blueprint, "/public/issuers/{issuer_id}/status/{number}", methods=["GET"])
def status_list(issuer_id, number):
    if not (number.isdigit() and len(number) < 10):
        raise NotFound(f"No status list {number}.")
    document = _credentials().status_list(issuer_id, int(number), store=current())
    return json_response(
        document, content_type=VC_JSON, headers={**OPEN, "Cache-Control": "public, max-age=60"}
    )
