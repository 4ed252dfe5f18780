"""Backpack import and export: bring in a badge from elsewhere, see it re-verified, download everything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib.errors import LaurelError
from chalicelib.services.backpack import imports
from chalicelib.services.shared import ratelimit
from chalicelib.store import current
from chalicelib.web import csrf, forms, pagekit
from chalicelib.web.sessions import client_ip, current_account

blueprint = Blueprint(__name__)
NO_STORE = {"Cache-Control": "no-store"}


def page(path: str, methods: tuple[str, ...] = ("GET",)) -> Callable:
    return pagekit.page(blueprint, path, methods)


def _request():
    return blueprint.current_request


def _html(request, name: str, *, status: int = 200, **context: Any) -> Response:
    # The request read when the view began: verifying may run other requests in-process (tests, local).
    return pagekit.html(request, name, status=status, **context)


def _text(form: dict, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) and value.strip() else None


def _file(form: dict, name: str) -> bytes | None:
    value = form.get(name)
    return value if isinstance(value, bytes) and value else None


def _count_verification(request) -> None:
    """An import, and every view of one, runs the verifier (up to 12 fetches per address): counted first,
    against the same per-client limit as /verify."""
    if not ratelimit.VERIFY_CLIENT.hit(client_ip(request), store=current()):
        raise ratelimit.TooMany("Too many verifications from your network. Try again in a few minutes.")


@page("/backpack/import", methods=("GET", "POST"))
def import_page():
    request = _request()
    account = current_account(request)
    if account is None:
        return pagekit.login_redirect(request)
    if request.method == "GET":
        return _html(
            request,
            "pages/import.html",
            account=account,
            values={},
            imported=imports.list_imported(account, store=current()),
        )
    form = forms.read_upload(request)
    csrf.check(request, form)
    values = {k: v for k, v in form.items() if k in ("url", "text") and isinstance(v, str)}
    try:
        _count_verification(request)
        done = imports.import_badge(
            account,
            url=_text(form, "url"),
            text=_text(form, "text"),
            image=_file(form, "image"),
            store=current(),
        )
    except LaurelError as error:
        errors = {e["field"]: e["detail"] for e in error.errors if "field" in e} or {"form": error.detail}
        return _html(
            request, "pages/import.html", status=error.status, account=account, values=values, errors=errors
        )
    flag = "new" if done.created else "already"
    return pagekit.redirect(f"/backpack/imported/{done.item.digest}?{flag}=1")


@page("/backpack/imported/{digest}")
def imported_page(digest):
    request = _request()
    account = current_account(request)
    if account is None:
        return pagekit.login_redirect(request)
    store = current()
    item = imports.get(account, digest, store=store)
    _count_verification(request)
    report = imports.reverify(account, item, store=store)
    query = request.query_params or {}
    return _html(
        request,
        "pages/imported.html",
        account=account,
        item=item,
        report=report,
        new="new" in query,
        already="already" in query,
    )


@page("/backpack/imported/{digest}/delete", methods=("POST",))
def imported_delete(digest):
    request = _request()
    account = current_account(request)
    if account is None:
        return pagekit.login_redirect(request)
    pagekit.posted_form(request)
    imports.delete(account, digest, store=current())
    return pagekit.redirect("/backpack")


@page("/backpack/export")
def export_zip():
    """All my badges as a zip (`application/zip` is one of Chalice's default binary types)."""
    request = _request()
    account, away = pagekit.signed_in(request, fresh_for="/backpack/export")
    if away:
        return away
    from chalicelib.services.backpack import export

    data = export.build(account, store=current())
    headers = {
        "Content-Type": "application/zip",
        "Content-Disposition": f'attachment; filename="{export.FILENAME}"',
        **NO_STORE,
    }
    return Response(body=data, status_code=200, headers=headers)
