"""What every HTML blueprint needs: a page decorator, CSRF-carrying renders, redirects, checked forms."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from chalice import Blueprint, Response

from chalicelib.errors import Busy, Invalid, LaurelError
from chalicelib.web import csrf
from chalicelib.web.http import ANY_CONTENT, RETRY_AFTER, unexpected_status
from chalicelib.web.pages import render
from chalicelib.web.sessions import current_session, form_body

log = logging.getLogger(__name__)
NO_STORE = {"Cache-Control": "no-store"}
BUSY_PAGE = "A service we rely on is busy just now. Please try again in a few seconds."


def page(bp: Blueprint, path: str, methods: tuple[str, ...] = ("GET",)) -> Callable:
    """Register an HTML view: domain errors become a readable page with their status, never a 500 body."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kw: Any) -> Response:
            request = bp.current_request
            try:
                return view(*args, **kw)
            except Busy as error:  # the store's word for AWS saying "not now": the same page as before
                log.warning("AWS busy or unreachable on %s: %r", path, error)
                return problem_page(request, 503, "Busy right now", BUSY_PAGE)
            except LaurelError as error:
                return problem_page(request, error.status, error.title, error.detail)
            except Exception as error:
                if unexpected_status(error, path) == 503:
                    return problem_page(request, 503, "Busy right now", BUSY_PAGE)
                message = "Something went wrong on our side; it has been logged. Please try again."
                return problem_page(request, 500, "Sorry", message)

        bp.route(path, methods=list(methods), content_types=ANY_CONTENT)(wrapper)
        return wrapper

    return decorate


def problem_page(request: Any, status: int, title: str, message: str) -> Response:
    """The readable error page; a 503 says when to come back (Retry-After)."""
    response = html(request, "pages/problem.html", status=status, title=title, message=message)
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER
    return response


def html(request: Any, name: str, *, status: int = 200, **context: Any) -> Response:
    """Render a page with a CSRF token for its forms (setting the cookie on first visit)."""
    token, set_cookie = csrf.token_for(request)
    response = render(name, status=status, **{"errors": {}, **context, "csrf_token": token})
    response.headers.update(NO_STORE)
    if set_cookie:
        response.headers["Set-Cookie"] = set_cookie
    return response


def redirect(location: str, cookie: str | None = None) -> Response:
    headers = {"Location": location, **NO_STORE}
    if cookie:
        headers["Set-Cookie"] = cookie
    return Response(body="", status_code=303, headers=headers)


def posted_form(request: Any) -> dict[str, str]:
    """The posted form, after the CSRF check (403 otherwise)."""
    form = form_body(request)
    csrf.check(request, form)
    return form


def field_errors(error: Invalid) -> dict[str, str]:
    return {e["field"]: e["detail"] for e in error.errors} or {"form": error.detail}


def login_redirect(request: Any) -> Response:
    return redirect("/login?next=" + quote(request.path, safe="/"))


def signed_in(request: Any, *, fresh_for: str | None = None) -> tuple[Any, Response | None]:
    """(account, None) for a signed-in request, else (None, a redirect to /login). With `fresh_for` (the
    page to come back to) the password must also have been given recently, else it goes to /reauth."""
    session = current_session(request)
    if session is None:
        return None, login_redirect(request)
    if fresh_for is not None and not session.fresh:
        return None, redirect("/reauth?next=" + quote(fresh_for, safe="/?=&"))
    return session.account, None
