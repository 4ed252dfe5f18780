"""The sign-in settings page: the password (set one when there is none), linked identities and passkeys,
and the last way in, which cannot be removed."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.errors import Conflict, Invalid
from chalicelib.services.earners import passkeys, sessions, sign_in_methods
from chalicelib.store import current
from chalicelib.web import pagekit
from chalicelib.web.sessions import cookie_header, session_token

blueprint = Blueprint(__name__)
SETTINGS = "/settings/sign-in"
# What a redirect back to the page says (?done=…), so no text travels in URLs.
DONE = {
    "added": "Passkey added. You can sign in with it on this device, no password needed.",
    "renamed": "Passkey renamed.",
    "removed": "Passkey removed: it no longer signs in to your account.",
    "password": "Password set. You can now also sign in with your email address and this password.",
}


def settings_page(request: Any, account, *, status: int = 200, **extra: Any) -> Response:
    """The page, for this route and the passkey routes that come back to it with an error."""
    methods = sign_in_methods.listing(account, store=current())
    done = DONE.get((request.query_params or {}).get("done") or "")
    context = {"form": {}, "errors": {}, **extra}
    return pagekit.html(
        request,
        "pages/settings_sign_in.html",
        status=status,
        account=account,
        methods=methods,
        most=passkeys.MOST,
        done=done,
        **_linked(account),
        **context,
    )


def _linked(account) -> dict[str, Any]:
    """The context of pages/_identities.html (linked identities, providers to link): social.listing."""
    from chalicelib.services.earners import social

    try:
        return social.listing(account, store=current())
    except ImportError:  # a build without the OpenID Connect sign-in (services/earners/social.py)
        return {"identities": [], "linkable": []}


@pagekit.page(blueprint, SETTINGS)
def sign_in_settings():
    request = blueprint.current_request
    account, away = pagekit.signed_in(request)
    return away or settings_page(request, account)


@pagekit.page(blueprint, SETTINGS + "/password", methods=("POST",))
def set_password():
    """A first password for an account that has none; other sessions end, this one starts anew."""
    request = blueprint.current_request
    account, away = pagekit.signed_in(request, fresh_for=SETTINGS)
    if away:
        return away
    form = pagekit.posted_form(request)
    try:
        account = sign_in_methods.set_first_password(account, form, store=current())
    except Invalid as error:
        return settings_page(request, account, status=422, errors=pagekit.field_errors(error))
    except Conflict as error:
        return settings_page(request, account, status=409, notice=error.detail)
    store = current()
    sessions.end(session_token(request), store=store)
    token = sessions.start(account, store=store)
    return pagekit.redirect(f"{SETTINGS}?done=password", cookie_header(token))
