"""Verification for everyone: the /verify page (a form and its report) and POST /api/v1/verify (JSON)."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.errors import LaurelError, TooLarge
from chalicelib.services.shared import ratelimit
from chalicelib.services.verification import checker
from chalicelib.store import current
from chalicelib.web import csrf, forms
from chalicelib.web.http import json_body, json_response, route
from chalicelib.web.pages import render
from chalicelib.web.sessions import client_ip

blueprint = Blueprint(__name__)
MAX_API_BYTES = 3 * 1024 * 1024  # a 2 MB image as base64
NO_STORE = {"Cache-Control": "no-store"}


@route(blueprint, "/verify", methods=["GET"])
def verify_page():
    """The form; `?url=…` (the "Verify this badge" links) fills it in and runs the check at once."""
    request = blueprint.current_request
    url = _text(request.query_params or {}, "url")
    if url is None:
        return _form(request)
    try:
        _count(request)
        report = checker.verify(url=url, text=None, image=None, expected_email=None)
    except LaurelError as error:
        fields = {e["field"]: e["detail"] for e in error.errors if "field" in e}
        return _form(request, status=error.status, message=error.detail, errors=fields, values={"url": url})
    return _result(report, None)


@route(blueprint, "/verify", methods=["POST"])
def verify_submit():
    request = blueprint.current_request
    form: dict = {}
    try:
        form = forms.read_upload(request)
        csrf.check(request, form)
        _count(request)
        report = checker.verify(
            url=_text(form, "url"),
            text=_text(form, "text"),
            image=_file(form, "image"),
            expected_email=_text(form, "expected_email"),
        )
    except csrf.CsrfError as error:
        return _form(request, status=403, message=error.detail)
    except LaurelError as error:
        fields = {e["field"]: e["detail"] for e in error.errors if "field" in e}
        return _form(request, status=error.status, message=error.detail, errors=fields, values=form)
    return _result(report, _text(form, "expected_email"))


def _result(report, expected_email: str | None) -> Response:
    page = render("pages/verify_result.html", report=report, expected_email=expected_email)
    page.headers.update(NO_STORE)
    return page


@route(blueprint, "/api/v1/verify", methods=["POST"])
def verify_api():
    body = json_body(blueprint.current_request, max_bytes=MAX_API_BYTES)
    _count(blueprint.current_request)
    return json_response(checker.verify_request(body), headers=NO_STORE)


def _count(request) -> None:
    """429 past the per-client limit: each verification may make the server fetch up to 12 URLs."""
    if not ratelimit.VERIFY_CLIENT.hit(client_ip(request), store=current()):
        raise ratelimit.TooMany("Too many verifications from your network. Try again in a few minutes.")


def _form(request, *, status: int = 200, message: str | None = None, errors=None, values=None) -> Response:
    """The verify form, with a fresh CSRF token (and its cookie when the browser has none yet)."""
    token, set_cookie = csrf.token_for(request)
    values = {k: v for k, v in (values or {}).items() if isinstance(v, str) and k != csrf.FIELD}
    page = render(
        "pages/verify.html",
        status=status,
        csrf_token=token,
        message=message,
        errors=errors or {},
        values=values,
    )
    page.headers.update(NO_STORE)
    if set_cookie:
        page.headers["Set-Cookie"] = set_cookie
    return page


def _text(form: dict, name: str) -> str | None:
    """A text field, or None when it is empty or not text."""
    value = form.get(name)
    return value if isinstance(value, str) and value.strip() else None


def _file(form: dict, name: str) -> bytes | None:
    """An uploaded file's bytes, or None when no file was chosen."""
    value = form.get(name)
    if isinstance(value, bytes) and len(value) > checker.MAX_UPLOAD_BYTES:
        raise TooLarge("The image is larger than 2 MB.", errors=[{"field": name, "detail": "over 2 MB"}])
    return value if isinstance(value, bytes) and value else None
