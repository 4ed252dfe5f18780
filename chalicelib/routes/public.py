"""Hosted Open Badges 2.0 (JSON-LD for machines, a readable page for people)."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.errors import Gone, NotFound
from chalicelib.openbadges import ob2
from chalicelib.services.hosting import baked, documents, signing
from chalicelib.services.issuing import awards, badgeclasses, issuers
from chalicelib.services.shared import urls
from chalicelib.store import images
from chalicelib.web.http import json_response, route, wants_html
from chalicelib.web.pages import render

blueprint = Blueprint(__name__)
LD_JSON = "application/ld+json"
CACHE = {"Cache-Control": "public, max-age=300"}


def _html() -> bool:
    return wants_html(blueprint.current_request)


def _ld(document: dict, status: int = 200) -> Response:
    return json_response(
        document, status=status, content_type=LD_JSON, headers={"Access-Control-Allow-Origin": "*"}
    )


def _image(data: bytes | None, key: str) -> Response:
    if data is None:
        raise NotFound("No such image.")
    kind = "image/svg+xml" if key.endswith(".svg") else "image/png"
    body = data.decode() if kind == "image/svg+xml" else data
    headers = {"Content-Type": kind, **CACHE}
    return Response(body=body, status_code=200, headers=headers)


@route(blueprint, "/public/issuers/{issuer_id}", methods=["GET"])
def issuer(issuer_id):
    item = issuers.get_issuer(issuer_id)
    document = documents.issuer_document(item)
    if _html():
        return render("pages/issuer.html", issuer=item, document=document)
    return _ld(document)


@route(blueprint, "/public/issuers/{issuer_id}/image", methods=["GET"])
def issuer_image(issuer_id):
    item = issuers.get_issuer(issuer_id)
    if not item.image_key:
        raise NotFound("This issuer has no image.")
    return _image(images.get(item.image_key), item.image_key)


@route(blueprint, "/public/issuers/{issuer_id}/keys/{kid}", methods=["GET"])
def issuer_key(issuer_id, kid):
    return _ld(signing.key_document(issuer_id, kid))


@route(blueprint, "/public/issuers/{issuer_id}/revocations", methods=["GET"])
def revocation_list(issuer_id):
    issuers.get_issuer(issuer_id)
    return _ld(signing.revocation_list(issuer_id))


@route(blueprint, "/public/badges/{badge_id}", methods=["GET"])
def badge(badge_id):
    item = badgeclasses.get(None, badge_id)
    document = documents.badge_document(item)
    if _html():
        owner = issuers.get_issuer(item.issuer_id)
        return render("pages/badge.html", badge=item, issuer=owner, document=document)
    return _ld(document)


@route(blueprint, "/public/badges/{badge_id}/{filename}", methods=["GET"])
def badge_image(badge_id, filename):
    if filename not in ("image.png", "image.svg"):
        raise NotFound("No such file.")
    item = badgeclasses.get(None, badge_id)
    key = item.image_key.rsplit(".", 1)[0] + filename[5:]
    return _image(images.get(key), key)


def _live_assertion(assertion_id: str):
    item = awards.get(None, assertion_id)
    if item.state == "revoked":
        raise Gone(
            "This badge has been revoked.",
            extra={
                "id": urls.assertion_url(item.id),
                "type": "Assertion",
                "revoked": True,
                "revocationReason": item.revocation_reason,
            },
        )
    return item


@route(blueprint, "/public/assertions/{assertion_id}", methods=["GET"])
def assertion(assertion_id):
    item = awards.get(None, assertion_id)
    if _html():
        return _assertion_page(item)
    if item.state == "revoked":
        return _ld(ob2.revoked(urls.assertion_url(item.id), item.revocation_reason or ""), status=410)
    return _ld(documents.assertion_document(item))


def _assertion_page(item) -> Response:
    badge_item = badgeclasses.get(None, item.badge_id)
    owner = issuers.get_issuer(item.issuer_id)
    status = awards.status(item)
    return render(
        "pages/assertion.html",
        status=410 if status == "revoked" else 200,
        assertion=item,
        badge=badge_item,
        issuer=owner,
        state=status,
        badge_image=urls.badge_image_url(badge_item.id, badge_item.image_key),
        json_url=urls.assertion_url(item.id),
    )


@route(blueprint, "/public/assertions/{assertion_id}/{filename}", methods=["GET"])
def assertion_file(assertion_id, filename):
    item = _live_assertion(assertion_id)
    if filename in ("baked.png", "baked.svg"):
        kind = filename[-3:]
        return _image(baked.image(item, kind), filename)
    if filename == "signed":
        jws = signing.signed_assertion(item, issuers.get_issuer(item.issuer_id))
        return Response(body=jws, status_code=200, headers={"Content-Type": "application/jose"})
    raise NotFound("No such file.")
