"""Passkeys: the WebAuthn ceremonies that register one in settings, sign in with one (no password
typed) and confirm a session with one; rename and remove. Every POST is a form with its CSRF token
(assets/passkeys.js sends the options request the same way), so the CSRF rules stay as they are; the
browser's answer travels as a JSON text field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib.errors import Conflict, Gone, Invalid, LaurelError, NotFound
from chalicelib.routes.sign_in_settings import SETTINGS, settings_page
from chalicelib.services.earners import passkeys, sessions, sign_in_methods
from chalicelib.services.shared import ratelimit
from chalicelib.store import current
from chalicelib.web import flows, pagekit
from chalicelib.web.sessions import client_ip, cookie_header, current_session, safe_next, session_token

blueprint = Blueprint(__name__)
REAUTH_HERE = "/reauth?next=" + SETTINGS


def page(path: str, methods: tuple[str, ...] = ("POST",)) -> Callable:
    return pagekit.page(blueprint, path, methods)


def _request():
    return blueprint.current_request


def _json(body: dict[str, Any], status: int = 200, cookie: str | None = None) -> Response:
    headers = {"Content-Type": "application/json", **pagekit.NO_STORE}
    if cookie:
        headers["Set-Cookie"] = cookie
    return Response(body=json.dumps(body), status_code=status, headers=headers)


def _options(begin: Callable[[dict[str, str], str], passkeys.Started]) -> Response:
    """Options for navigator.credentials as JSON, the ceremony bound to this browser's flow cookie;
    refusals as JSON {"error": …} for the script to show."""
    request = _request()
    try:
        form = pagekit.posted_form(request)
        browser, cookie = flows.start(request)
        started = begin(form, browser)
    except LaurelError as error:
        return _json({"error": error.detail}, error.status)
    return _json({"options": started.options, "ceremony": started.ceremony}, cookie=cookie)


# --- signing in ----------------------------------------------------------------------------------


@page("/login/passkey/options")
def sign_in_options():
    ip = client_ip(_request())
    return _options(lambda form, browser: passkeys.sign_in_options(ip, browser=browser, store=current()))


@page("/login/passkey")
def sign_in():
    request = _request()
    form = pagekit.posted_form(request)
    nxt = safe_next(form.get("next"))
    store = current()
    try:
        account = passkeys.sign_in(
            form.get("credential", ""),
            form.get("ceremony", ""),
            client_ip(request),
            browser=flows.browser(request),
            store=store,
        )
    except (passkeys.Refused, ratelimit.TooMany) as error:
        errors = {"passkey": error.detail}
        return pagekit.html(
            request, "pages/login.html", status=error.status, email="", next=nxt, errors=errors
        )
    sessions.end(session_token(request), store=store)  # a passkey sign-in is a fresh session
    return pagekit.redirect(nxt, cookie_header(sessions.start(account, store=store)))


# --- confirming a session (reauth) ---------------------------------------------------------------


@page("/reauth/passkey/options")
def reauth_options():
    session = current_session(_request())
    if session is None:
        return _json({"reauth": "/login"}, 401)
    return _options(
        lambda form, browser: passkeys.reauth_options(session.account, browser=browser, store=current())
    )


@page("/reauth/passkey")
def reauth():
    request = _request()
    session = current_session(request)
    if session is None:
        return pagekit.login_redirect(request)
    form = pagekit.posted_form(request)
    nxt = safe_next(form.get("next"))
    try:
        passkeys.reauth(
            session.account,
            form.get("credential", ""),
            form.get("ceremony", ""),
            client_ip(request),
            browser=flows.browser(request),
            store=current(),
        )
    except (passkeys.Refused, ratelimit.TooMany, NotFound) as error:
        errors = {"passkey": error.detail}
        return pagekit.html(
            request,
            "pages/reauth.html",
            status=error.status,
            account=session.account,
            next=nxt,
            errors=errors,
        )
    sessions.confirm(session, store=current())
    return pagekit.redirect(nxt)


# --- the account's passkeys (settings) -----------------------------------------------------------


@page("/settings/passkeys/options")
def register_options():
    session = current_session(_request())
    if session is None:
        return _json({"reauth": "/login?next=" + SETTINGS}, 401)
    if not session.fresh:  # the script sends the person to confirm it is them first
        return _json({"reauth": REAUTH_HERE}, 401)

    def begin(form: dict[str, str], browser: str) -> passkeys.Started:
        passkeys.read_name(form.get("name"))  # a bad name is refused before the device is asked
        return passkeys.registration_options(session.account, browser=browser, store=current())

    return _options(begin)


@page("/settings/passkeys")
def register():
    request = _request()
    account, away = pagekit.signed_in(request, fresh_for=SETTINGS)
    if away:
        return away
    form = pagekit.posted_form(request)
    try:
        passkeys.register(
            account,
            form.get("credential", ""),
            form.get("name", ""),
            form.get("ceremony", ""),
            browser=flows.browser(request),
            store=current(),
        )
    except (Invalid, Conflict, Gone, ratelimit.TooMany) as error:
        errors = pagekit.field_errors(error) if error.errors else {"passkey": error.detail}
        kept = {"name": form.get("name", "")[: passkeys.MAX_NAME]}
        return settings_page(request, account, status=error.status, errors=errors, form=kept)
    return pagekit.redirect(f"{SETTINGS}?done=added")


@page("/settings/passkeys/{credential_id}/rename")
def rename(credential_id):
    request = _request()
    account, away = pagekit.signed_in(request)
    if away:
        return away
    form = pagekit.posted_form(request)
    try:
        sign_in_methods.rename_passkey(account, credential_id, form.get("name", ""), store=current())
    except Invalid as error:
        return settings_page(request, account, status=422, notice=error.errors[0]["detail"])
    return pagekit.redirect(f"{SETTINGS}?done=renamed")


@page("/settings/passkeys/{credential_id}/remove")
def remove(credential_id):
    request = _request()
    account, away = pagekit.signed_in(request, fresh_for=SETTINGS)
    if away:
        return away
    pagekit.posted_form(request)
    try:
        sign_in_methods.remove_passkey(account, credential_id, store=current())
    except sign_in_methods.LastWayIn as error:
        return settings_page(request, account, status=409, notice=error.detail)
    return pagekit.redirect(f"{SETTINGS}?done=removed")
