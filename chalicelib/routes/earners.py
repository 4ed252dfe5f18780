"""The earner's pages: claim, register, activate, sign in and out, passwords, terms."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib.errors import Invalid, NotFound
from chalicelib.services.backpack import claims
from chalicelib.services.earners import accounts, activation, sessions, signup
from chalicelib.services.issuing import badgeclasses, issuers
from chalicelib.services.shared import fields, proof_of_work, ratelimit, urls
from chalicelib.store import current
from chalicelib.web import pagekit
from chalicelib.web.sessions import (
    clear_header,
    client_ip,
    cookie_header,
    current_account,
    current_session,
    safe_next,
    session_token,
)

blueprint = Blueprint(__name__)
log = logging.getLogger(__name__)
NO_STORE = {"Cache-Control": "no-store"}


def _login_refused() -> tuple[type[Exception], ...]:
    """What a wrong sign-in raises; a function, so importing the routes loads no service (cold start)."""
    return (accounts.BadLogin, accounts.NotActivated, accounts.Merged, ratelimit.TooMany)


def page(path: str, methods: tuple[str, ...] = ("GET",)) -> Callable:
    return pagekit.page(blueprint, path, methods)


def _request():
    return blueprint.current_request


def _html(name: str, *, status: int = 200, **context: Any) -> Response:
    return pagekit.html(_request(), name, status=status, **context)


def _form() -> dict[str, str]:
    return pagekit.posted_form(_request())


_redirect = pagekit.redirect
_errors = pagekit.field_errors


def _signed_in(account, nxt: str | None = None, *, keep: bool = False) -> Response:
    """Replace any earlier session with a new one and go to the backpack (or a safe `next`)."""
    store = current()
    sessions.end(session_token(_request()), store=store)
    return _redirect(
        safe_next(nxt), cookie_header(sessions.start(account, store=store, keep=keep), keep=keep)
    )


def _login_redirect() -> Response:
    return pagekit.login_redirect(_request())


# --- claim and registration ----------------------------------------------------------------------


def _badge_context(item) -> dict:
    badge_item = badgeclasses.get(None, item.badge_id, store=current())
    return {
        "assertion": item,
        "badge": badge_item,
        "issuer": issuers.get_issuer(item.issuer_id, store=current()),
        "badge_image": urls.badge_image_url(badge_item.id, badge_item.image_key),
    }


def _claim_page(claim: claims.Claim, token: str, *, status: int = 200, **extra: Any) -> Response:
    mode = signup.claim_mode(claim.email, current_account(_request()), store=current())
    context = {"mode": mode, "claim_token": token, "email": claim.email, "form": {}, **extra}
    return _html("pages/claim.html", status=status, **_badge_context(claim.assertion), **context)


@page("/claim/{token}")
def claim(token):
    found = claims.find(token, store=current())
    if found.problem:
        return _html(
            "pages/claim_problem.html",
            status=410,
            message=claims.MESSAGES[found.problem],
            token=token,
            can_resend=found.problem != "revoked",
        )
    return _claim_page(found, token)


@page("/claim/{token}/resend", methods=("POST",))
def claim_resend(token):
    form = _form()
    try:
        proof_of_work.require_solved(form, store=current())
    except Invalid as error:  # the same page again, its message kept, the check to do again
        problem = claims.find(token, store=current()).problem
        message = claims.MESSAGES[problem] if problem else "This claim link still works."
        page_again = {"message": message, "token": token, "can_resend": True, "errors": _errors(error)}
        return _html("pages/claim_problem.html", status=422, **page_again)
    masked = claims.send_fresh_link(token, client_ip(_request()), store=current())
    message = f"A fresh link is on its way to {masked}. It replaces the old one."
    return _html("pages/claim_problem.html", message=message, token=token, can_resend=False)


@page("/register", methods=("POST",))
def register():
    form = _form()
    token = form.get("claim", "")
    found = claims.live(token, store=current())
    kept = {k: form.get(k, "") for k in ("first_name", "last_name")} | {"terms": form.get("terms")}
    try:
        proof_of_work.require_solved(form, store=current())  # before any counter or write
        account = signup.register_from_claim(found.email, form, client_ip(_request()), store=current())
    except Invalid as error:
        return _claim_page(found, token, status=422, errors=_errors(error), form=kept)
    except accounts.AddressTaken as error:
        return _claim_page(found, token, status=409, notice=error.detail)
    if account is not None:  # None: the honeypot, answered alike
        claims.mark_used(found, store=current())
    return _html("pages/activate.html", email=found.email, sent=True)


# --- activation ----------------------------------------------------------------------------------


@page("/activate", methods=("GET", "POST"))
def activate():
    request = _request()
    if request.method == "GET":
        email = (request.query_params or {}).get("email", "")
        return _html("pages/activate.html", email=fields.normalise(email))
    form = _form()
    email = fields.normalise(form.get("email", ""))
    try:
        account = activation.by_code(email, form.get("code", ""), client_ip(request), form, store=current())
    except Invalid as error:
        return _html("pages/activate.html", status=422, email=email, errors=_errors(error))
    return _signed_in(account)


@page("/activate/resend", methods=("POST",))
def activate_resend():
    form = _form()
    email = fields.normalise(form.get("email", ""))
    try:
        proof_of_work.require_solved(form, store=current())
    except Invalid as error:
        return _html("pages/activate.html", status=422, email=email, errors=_errors(error))
    activation.resend(email, client_ip(_request()), store=current())
    return _html("pages/activate.html", email=email, resent=True)


@page("/activate/{token}", methods=("GET", "POST"))
def activate_link(token):
    # GET only shows a button: mail scanners that open links must not spend the token.
    if _request().method == "GET":
        if activation.live_token(token, "activate", store=current()) is None:
            message = "This activation link is not valid, was already used or has expired."
            return _html("pages/activate.html", status=410, email="", link_problem=message)
        return _html("pages/activate_link.html", token=token)
    try:
        account = activation.by_token(token, _form(), store=current())
    except Invalid as error:
        return _html("pages/activate_link.html", status=422, token=token, errors=_errors(error))
    return _signed_in(account)


# --- signing in and out --------------------------------------------------------------------------


@page("/login", methods=("GET", "POST"))
def login():
    request = _request()
    if request.method == "GET":
        query = request.query_params or {}
        nxt = safe_next(query.get("next"))
        return _html("pages/login.html", email=fields.normalise(query.get("email", "")), next=nxt)
    form = _form()
    email, nxt, keep = (
        fields.normalise(form.get("email", "")),
        safe_next(form.get("next")),
        bool(form.get("keep")),
    )
    try:
        account = accounts.login(email, form.get("password", ""), client_ip(request), store=current())
    except _login_refused() as error:
        return _html(
            "pages/login.html",
            status=error.status,
            email=email,
            next=nxt,
            keep=keep,
            errors={"password": error.detail},
            activate=isinstance(error, accounts.NotActivated),
        )
    _spend_claim(form.get("claim", ""), account)
    return _signed_in(account, nxt, keep=keep)


@page("/reauth", methods=("GET", "POST"))
def reauth():
    """The password asked again before a sensitive change, on a session signed in a while ago."""
    request = _request()
    session = current_session(request)
    if session is None:
        return _login_redirect()
    if request.method == "GET":
        nxt = safe_next((request.query_params or {}).get("next"))
        return _html("pages/reauth.html", account=session.account, next=nxt)
    form = _form()
    nxt = safe_next(form.get("next"))
    try:
        password = form.get("password", "")
        account = accounts.login(session.account.primary_email, password, client_ip(request), store=current())
    except _login_refused() as error:
        errors = {"password": error.detail}
        return _html(
            "pages/reauth.html", status=error.status, account=session.account, next=nxt, errors=errors
        )
    if account.id != session.account.id:  # cannot happen: the address is the session's own
        return _login_redirect()
    sessions.confirm(session, store=current())
    return _redirect(nxt)


def _spend_claim(token: str, account) -> None:
    """A claim link that brought its own earner to their account has done its job."""
    if not token:
        return
    try:
        found = claims.find(token, store=current())
    except NotFound:
        return
    if not found.problem and signup.finishes_claim(found.email, account, store=current()):
        claims.mark_used(found, store=current())


@page("/logout", methods=("POST",))
def logout():
    _form()
    sessions.end(session_token(_request()), store=current())
    return _redirect("/login", clear_header())


# --- passwords -----------------------------------------------------------------------------------


@page("/password/forgot", methods=("GET", "POST"))
def password_forgot():
    if _request().method == "GET":
        return _html("pages/password_forgot.html", email="")
    form = _form()
    try:
        proof_of_work.require_solved(form, store=current())
    except Invalid as error:
        email = fields.normalise(form.get("email", ""))
        return _html("pages/password_forgot.html", status=422, email=email, errors=_errors(error))
    accounts.request_reset(form.get("email", ""), client_ip(_request()), store=current())
    return _html("pages/password_forgot.html", email="", sent=True)


@page("/password/reset/{token}", methods=("GET", "POST"))
def password_reset(token):
    item = accounts.reset_token(token, store=current())
    if _request().method == "GET":
        return _html("pages/password_reset.html", token=token, email=item.email)
    form = _form()
    try:
        account = accounts.reset_password(token, form, store=current())
    except Invalid as error:
        return _html(
            "pages/password_reset.html", status=422, token=token, email=item.email, errors=_errors(error)
        )
    return _signed_in(account)


@page("/password/change", methods=("GET", "POST"))
def password_change():
    account = current_account(_request())
    if account is None:
        return _login_redirect()
    if _request().method == "GET":
        if not account.password_hash:  # no current password to ask for: set a first one (sign-in settings)
            return _redirect("/settings/sign-in")
        return _html("pages/password_change.html", account=account)
    form = _form()  # the CSRF check comes first, whatever the account
    if not account.password_hash:
        return _redirect("/settings/sign-in")
    try:
        account = accounts.change_password(account, form, store=current())
    except Invalid as error:
        return _html("pages/password_change.html", status=422, account=account, errors=_errors(error))
    return _signed_in(account)


# --- terms (the backpack and dashboard are in routes/backpack.py) --------------------------------


@page("/terms")
def terms():
    return _html("pages/terms.html")
