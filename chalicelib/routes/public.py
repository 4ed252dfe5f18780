"""Hosted Open Badges 2.0 (JSON-LD for machines, a readable page for people)."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.services.hosting import hosted, signing
from chalicelib.store import current
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


def _image(image: hosted.Image) -> Response:
    body = image.data.decode() if image.content_type == "image/svg+xml" else image.data
    return Response(body=body, status_code=200, headers={"Content-Type": image.content_type, **CACHE})


@route(blueprint, "/public/issuers/{issuer_id}", methods=["GET"])
def issuer(issuer_id):
    hosted_issuer = hosted.issuer(issuer_id, store=current())
    if _html():
        return render("pages/issuer.html", issuer=hosted_issuer.issuer, document=hosted_issuer.document)
    return _ld(hosted_issuer.document)


@route(blueprint, "/public/issuers/{issuer_id}/image", methods=["GET"])
def issuer_image(issuer_id):
    return _image(hosted.issuer_image(issuer_id, store=current()))


@route(blueprint, "/public/issuers/{issuer_id}/keys/{kid}", methods=["GET"])
def issuer_key(issuer_id, kid):
    return _ld(signing.key_document(issuer_id, kid, store=current()))


@route(blueprint, "/public/issuers/{issuer_id}/revocations", methods=["GET"])
def revocation_list(issuer_id):
    return _ld(hosted.revocation_list(issuer_id, store=current()))


@route(blueprint, "/public/badges/{badge_id}", methods=["GET"])
def badge(badge_id):
    if _html():
        page = hosted.badge_class(badge_id, page=True, store=current())
        return render("pages/badge.html", badge=page.badge, issuer=page.issuer, document=page.document)
    return _ld(hosted.badge_class(badge_id, page=False, store=current()).document)


@route(blueprint, "/public/badges/{badge_id}/{filename}", methods=["GET"])
def badge_image(badge_id, filename):
    return _image(hosted.badge_image(badge_id, filename, store=current()))


@route(blueprint, "/public/assertions/{assertion_id}", methods=["GET"])
def assertion(assertion_id):
    if _html():
        page = hosted.assertion_page(assertion_id, store=current())
        return render(
            "pages/assertion.html",
            status=page.status,
            assertion=page.assertion,
            badge=page.badge,
            issuer=page.issuer,
            state=page.state,
            badge_image=page.badge_image,
            json_url=page.json_url,
        )
    document, status = hosted.assertion_document(assertion_id, store=current())
    return _ld(document, status=status)


@route(blueprint, "/public/assertions/{assertion_id}/{filename}", methods=["GET"])
def assertion_file(assertion_id, filename):
    answer = hosted.assertion_file(assertion_id, filename, store=current())
    if isinstance(answer, str):
        return Response(body=answer, status_code=200, headers={"Content-Type": "application/jose"})
    return _image(answer)
