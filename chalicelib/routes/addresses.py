"""Settings → email addresses (add, verify by code or link, primary, remove), merging an account that
holds an address, and the one-click unsubscribe link of notification mail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from chalice import Blueprint, Response

from chalicelib.errors import Conflict, Invalid
from chalicelib.services.earners import addresses, merge, merge_proof
from chalicelib.services.issuing import unsubscribe
from chalicelib.services.shared import fields
from chalicelib.store import current
from chalicelib.web import pagekit
from chalicelib.web.sessions import client_ip, current_account, form_body

blueprint = Blueprint(__name__)
SETTINGS = "/settings/emails"
# What a redirect back to the settings page says (?done=…), so no text travels in URLs.
DONE = {
    "verified": "Address confirmed. Every badge sent to it is now in your backpack.",
    "primary": "Primary address changed.",
    "removed": "Address removed.",
    "merged": "Accounts merged: the other account's addresses and badges are now here, and it is closed.",
    "mine": "This address is already confirmed on your account.",
}


def page(path: str, methods: tuple[str, ...] = ("GET",)) -> Callable:
    return pagekit.page(blueprint, path, methods)


def _request():
    return blueprint.current_request


def _html(name: str, *, status: int = 200, **context: Any) -> Response:
    return pagekit.html(_request(), name, status=status, **context)


def _email(form: dict) -> str:
    return fields.normalise(form.get("email", ""))


def _settings(account, *, status: int = 200, **extra: Any) -> Response:
    store = current()
    merge.resume_pending(account.id, store=store)  # finish a merge a crash left halfway
    account = store.accounts.get(account.id)  # as the merge left it
    listed = addresses.listing(account, store=store)
    done = DONE.get(((_request().query_params or {}).get("done")) or "")
    return _html(
        "pages/settings_emails.html",
        status=status,
        account=account,
        addresses=listed,
        suggest_personal=len(listed) <= 1,
        done=done,
        **{"form": {}, **extra},
    )


def _signed_in(*, fresh_for: str | None = None):
    return pagekit.signed_in(_request(), fresh_for=fresh_for)


# --- settings ------------------------------------------------------------------------------------


@page(SETTINGS)
def settings_emails():
    account, away = _signed_in()
    return away or _settings(account)


@page(SETTINGS + "/add", methods=("POST",))
def add_address():
    account, away = _signed_in(fresh_for=SETTINGS)
    if away:
        return away
    form = pagekit.posted_form(_request())
    try:
        added = addresses.add(account, form.get("email", ""), client_ip(_request()), store=current())
    except Invalid as error:
        return _settings(account, status=422, errors=pagekit.field_errors(error), form=form)
    if added.outcome == "other":
        return pagekit.redirect(f"{SETTINGS}/merge?email={quote(added.email)}")
    if added.outcome == "mine":
        return pagekit.redirect(f"{SETTINGS}?done=mine")
    return _settings(account, sent=added.email)


@page(SETTINGS + "/resend", methods=("POST",))
def resend_code():
    account, away = _signed_in()
    if away:
        return away
    email = _email(pagekit.posted_form(_request()))
    addresses.send_code(account, email, store=current())
    return _settings(account, sent=email)


@page(SETTINGS + "/verify", methods=("GET", "POST"))
def verify_code():
    account, away = _signed_in()
    if away:
        return away
    if _request().method == "GET":  # the mail's "enter the code" address
        return pagekit.redirect(SETTINGS)
    form = pagekit.posted_form(_request())
    email = _email(form)
    try:
        addresses.verify_code(account, email, form.get("code", ""), client_ip(_request()), store=current())
    except Invalid as error:
        detail = pagekit.field_errors(error).get("code", error.detail)
        return _settings(account, status=422, code_errors={email: detail})
    return pagekit.redirect(f"{SETTINGS}?done=verified")


@page(SETTINGS + "/verify/{token}", methods=("GET", "POST"))
def verify_link(token):
    """The page names the account that asked; only that account, signed in, can confirm (a POST:
    mail scanners that open links must not spend the token)."""
    request = _request()
    try:
        found = addresses.confirmation(token, store=current())
    except Conflict as error:
        return _html("pages/problem.html", status=410, title="Link expired", message=error.detail)
    signed_in = current_account(request)
    mine = signed_in is not None and signed_in.id == found.asking.id
    if request.method == "POST":
        pagekit.posted_form(request)
    if request.method == "GET" or not mine:
        here = quote(f"{SETTINGS}/verify/{token}", safe="/")
        return _html(
            "pages/settings_emails.html",
            status=200 if request.method == "GET" else 403,
            confirm_token=token,
            confirm_email=found.token.email,
            asker=found.asker,
            mine=mine,
            login_next=f"/login?next={here}",
        )
    addresses.verify_link(signed_in, token, store=current())
    return pagekit.redirect(f"{SETTINGS}?done=verified")


@page(SETTINGS + "/primary", methods=("POST",))
def make_primary():
    account, away = _signed_in(fresh_for=SETTINGS)
    if away:
        return away
    addresses.set_primary(account, _email(pagekit.posted_form(_request())), store=current())
    return pagekit.redirect(f"{SETTINGS}?done=primary")


@page(SETTINGS + "/remove", methods=("POST",))
def remove_address():
    account, away = _signed_in(fresh_for=SETTINGS)
    if away:
        return away
    addresses.remove(account, _email(pagekit.posted_form(_request())), store=current())
    return pagekit.redirect(f"{SETTINGS}?done=removed")


# --- merging the account that holds an address ----------------------------------------------------


def _merge_page(account, email: str, *, status: int = 200, **extra: Any) -> Response:
    # Shown alike whether another account holds the address (verified or not) or no one does: no
    # enumeration here. The merge itself works only through an address verified elsewhere (merge_proof).
    if not email or merge_proof.holds(account, email, store=current()):
        return pagekit.redirect(SETTINGS)
    return _html("pages/merge.html", status=status, account=account, email=email, **extra)


@page(SETTINGS + "/merge", methods=("GET", "POST"))
def merge_account():
    request = _request()
    account, away = _signed_in(fresh_for=None if request.method == "GET" else SETTINGS)
    if away:
        return away
    if request.method == "GET":
        return _merge_page(account, fields.normalise((request.query_params or {}).get("email", "")))
    form = pagekit.posted_form(request)
    email = _email(form)
    try:
        if form.get("method") == "code":
            merge_proof.by_code(account, email, form.get("code", ""), client_ip(request), store=current())
        else:
            merge_proof.by_password(
                account, email, form.get("password", ""), client_ip(request), store=current()
            )
    except Invalid as error:
        return _merge_page(account, email, status=422, errors=pagekit.field_errors(error))
    return pagekit.redirect(f"{SETTINGS}?done=merged")


@page(SETTINGS + "/merge/code", methods=("POST",))
def merge_code():
    account, away = _signed_in(fresh_for=SETTINGS)
    if away:
        return away
    email = _email(pagekit.posted_form(_request()))
    merge_proof.send_code(account, email, client_ip(_request()), store=current())
    return _merge_page(account, email, code_sent=True)


# --- unsubscribe ---------------------------------------------------------------------------------


def _unsubscribe_page(token: str, **extra: Any) -> Response:
    email = unsubscribe.address(token)
    return _html("pages/unsubscribe.html", token=token, email=email, **extra)


@page("/unsubscribe/{token}", methods=("GET", "POST"))
def unsubscribe_link(token):
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST opts out. The POST is
    RFC 8058's one-click (List-Unsubscribe=One-Click from a mail client, without cookies), so the
    signed token is its only credential: no CSRF token is asked for."""
    email = unsubscribe.address(token)
    if _request().method == "GET":
        return _unsubscribe_page(token, done=unsubscribe.is_opted_out(email, store=current()))
    form_body(_request())
    unsubscribe.opt_out(email, store=current())
    return _unsubscribe_page(token, done=True)


@page("/unsubscribe/{token}/undo", methods=("POST",))
def resubscribe(token):
    email = unsubscribe.address(token)
    pagekit.posted_form(_request())
    unsubscribe.opt_in(email, store=current())
    return _unsubscribe_page(token, undone=True)
