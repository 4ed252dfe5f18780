"""Badge detail for its owner, privacy switches, and what the public sees: badge page, profile, embed,
oEmbed and QR code.

A private badge's public URLs answer 404 with a page that says only that the badge is private.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib.errors import Invalid, NotFound
from chalicelib.services.backpack import detail, privacy, sharing
from chalicelib.services.shared import urls
from chalicelib.store import current
from chalicelib.web import pagekit
from chalicelib.web.http import problem
from chalicelib.web.pages import render
from chalicelib.web.sessions import current_account, safe_next

blueprint = Blueprint(__name__)
PUBLIC = {"Cache-Control": "no-cache", "Referrer-Policy": "strict-origin-when-cross-origin"}


def page(path: str, methods: tuple[str, ...] = ("GET",)) -> Callable:
    return pagekit.page(blueprint, path, methods)


def _request():
    return blueprint.current_request


def _query() -> dict[str, str]:
    return _request().query_params or {}


def _public(name: str, *, status: int = 200, headers: dict | None = None, **context: Any) -> Response:
    """A page for anyone: no session, no CSRF cookie, revalidated on every view (privacy can change)."""
    response = render(name, status=status, **context)
    response.headers.update(headers or PUBLIC)
    return response


# --- the owner's badge detail and privacy switches ------------------------------------------------


def _detail(account, assertion_id: str, **extra: Any) -> Response:
    shown = detail.detail(account, assertion_id, store=current())
    return pagekit.html(_request(), "pages/badge_detail.html", account=account, **shown.context(), **extra)


@page("/backpack/{assertion_id}")
def badge_detail(assertion_id):
    account = current_account(_request())
    if account is None:
        return pagekit.login_redirect(_request())
    return _detail(account, assertion_id)


@page("/backpack/{assertion_id}/privacy", methods=("POST",))
def badge_privacy(assertion_id):
    account = current_account(_request())
    if account is None:
        return pagekit.login_redirect(_request())
    form = pagekit.posted_form(_request())
    privacy.set_badge_public(account, assertion_id, form.get("public") == "1", store=current())
    return pagekit.redirect(f"/backpack/{assertion_id}#privacy")


@page("/settings/profile-privacy", methods=("GET", "POST"))
def profile_privacy():
    request = _request()
    account = current_account(request)
    if account is None:
        return pagekit.login_redirect(request)
    if request.method == "GET":
        nxt = safe_next((request.query_params or {}).get("next"))
        return _profile_page(account, nxt)
    form = pagekit.posted_form(request)
    nxt = safe_next(form.get("next"))
    try:
        public, slug = privacy.read_profile_form(form, account)
        privacy.set_profile(account, public, slug, store=current())
    except Invalid as error:
        return _profile_page(
            account, nxt, status=422, errors=pagekit.field_errors(error), slug=form.get("slug")
        )
    return pagekit.redirect(nxt if nxt != "/backpack" else "/settings/profile-privacy?saved=1")


def _profile_page(account, nxt: str, *, status: int = 200, **extra: Any) -> Response:
    context = {
        "account": account,
        "next": nxt,
        "slug": account.slug or privacy.suggested_slug(account),
        "profile_url": sharing.profile_url(account.slug) if account.public and account.slug else None,
        "base": sharing.base(),
        "saved": (_query().get("saved") == "1"),
        **extra,
    }
    return pagekit.html(_request(), "pages/profile_privacy.html", status=status, **context)


# --- what anyone sees ------------------------------------------------------------------------------


@page("/badges/{assertion_id}")
def public_badge(assertion_id):
    try:
        shown = privacy.public_badge(assertion_id, store=current())
    except privacy.PrivateBadge:
        return _public("pages/public_badge.html", status=404, private=True)
    return _public(
        "pages/public_badge.html",
        item=shown,
        issuer_url=detail.http_url(shown.issuer.url),
        page_url=shown.shared.url,
        oembed_url=urls.oembed_url(shown.shared.url),
        json_url=urls.assertion_url(shown.assertion.id),
        profile_url=sharing.profile_url(shown.profile_slug) if shown.profile_slug else None,
    )


@page("/badges/{assertion_id}/qr.svg")
def badge_qr(assertion_id):
    shown = privacy.public_badge(assertion_id, store=current())
    svg = sharing.qr_svg(shown.shared.url, title=f"QR code: {shown.shared.url}")
    headers = {"Content-Type": "image/svg+xml", "Cache-Control": "no-cache"}
    return Response(body=svg, status_code=200, headers=headers)


@page("/embed/{assertion_id}")
def embed(assertion_id):
    try:
        shown = privacy.public_badge(assertion_id, store=current())
    except (privacy.PrivateBadge, NotFound):
        return _public("pages/embed.html", status=404, item=None)
    return _public("pages/embed.html", item=shown)


@page("/u/{slug}")
def public_profile(slug):
    try:
        account = privacy.profile_account(slug, store=current())
    except privacy.PrivateProfile:
        return _public("pages/public_profile.html", status=404, account=None, badges=[])
    badges = [(b, sharing.page_url(b.id)) for b in privacy.public_badges(account, store=current())]
    return _public("pages/public_profile.html", account=account, badges=badges)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 0 < len(value) < 6 else None


@page("/oembed")
def oembed():
    query = _query()
    fmt = query.get("format", "json")
    if fmt != "json":
        return problem(501, "Not Implemented", "Only format=json is offered.")
    assertion_id = sharing.badge_id_from_url(query.get("url", ""))
    if assertion_id is None:
        return problem(404, "Not Found", "Not the URL of a badge page on this site.")
    try:
        shown = privacy.public_badge(assertion_id, store=current())
    except (privacy.PrivateBadge, NotFound):
        return problem(404, "Not Found", "No public badge at this URL.")
    body = sharing.oembed(shown.shared, _int(query.get("maxwidth")), _int(query.get("maxheight")))
    headers = {
        "Content-Type": "application/json",
        "Access-Control-Allow-Origin": "*",
        "Cache-Control": "no-cache",
    }
    return Response(body=json.dumps(body), status_code=200, headers=headers)
