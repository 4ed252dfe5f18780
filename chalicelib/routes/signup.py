"""Sign-up without a claim link: /signup, its emailed code and link, the details form and the welcome page.

The address is proven in one browser (the flow cookie, web/flows.py) before the account exists; the
ceremony's secret then travels in the details page's URL and form, useless in any other browser."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalice import Blueprint, Response

from chalicelib.errors import Conflict, Invalid
from chalicelib.services.backpack import dashboard
from chalicelib.services.earners import ceremonies, open_signup, sessions
from chalicelib.services.shared import fields, proof_of_work, ratelimit
from chalicelib.store import current
from chalicelib.web import flows, pagekit
from chalicelib.web.sessions import client_ip, cookie_header, session_token

blueprint = Blueprint(__name__)
DETAILS_FIELDS = ("first_name", "last_name", "terms", "product_mail")


def _request():
    return blueprint.current_request


def _html(name: str, *, status: int = 200, **context: Any) -> Response:
    return pagekit.html(_request(), name, status=status, **context)


def _query(name: str) -> str:
    return (_request().query_params or {}).get(name, "")


def _start_again(error: ceremonies.CeremonyGone) -> Response:
    """A spent, expired or foreign ceremony: the sign-up page again, saying so."""
    return _html("pages/signup.html", status=error.status, email="", notice=error.detail)


@pagekit.page(blueprint, "/signup", methods=("GET", "POST"))
def signup():
    request = _request()
    if request.method == "GET":
        return _html("pages/signup.html", email=fields.normalise(_query("email")))
    form = pagekit.posted_form(request)
    typed = (form.get("email") or "").strip()[:254]
    try:
        proof_of_work.require_solved(form, store=current())  # before any counter or write
        email = open_signup.start(typed, client_ip(request), store=current())
    except (Invalid, ratelimit.TooMany) as error:  # same words for every address
        errors = pagekit.field_errors(error) if isinstance(error, Invalid) else {"email": error.detail}
        return _html("pages/signup.html", status=error.status, email=typed, errors=errors)
    return _html("pages/signup_code.html", email=email, sent=True)


@pagekit.page(blueprint, "/signup/code", methods=("GET", "POST"))
def signup_code():
    request = _request()
    if request.method == "GET":
        return _html("pages/signup_code.html", email=fields.normalise(_query("email")))
    form = pagekit.posted_form(request)
    email = fields.normalise(form.get("email", ""))
    browser, cookie = flows.start(request)
    try:
        secret = open_signup.prove_code(
            email, form.get("code", ""), client_ip(request), browser=browser, store=current()
        )
    except Invalid as error:
        return _html("pages/signup_code.html", status=422, email=email, errors=pagekit.field_errors(error))
    return pagekit.redirect(_details(secret), cookie)


@pagekit.page(blueprint, "/signup/details", methods=("GET", "POST"))
def signup_details():
    request = _request()
    if request.method == "GET":
        secret = _query("ceremony")
        try:
            email = open_signup.proven_email(secret, browser=flows.browser(request), store=current())
        except ceremonies.CeremonyGone as error:
            return _start_again(error)
        page = _html("pages/signup_details.html", email=email, ceremony=secret, form={})
        page.headers["Referrer-Policy"] = "no-referrer"  # the ceremony's secret is in this URL
        return page
    return _finish(pagekit.posted_form(request))


def _finish(form: dict[str, str]) -> Response:
    request = _request()
    secret = form.get("ceremony", "")
    browser = flows.browser(request)
    try:
        account = open_signup.finish(secret, form, browser=browser, store=current())
    except ceremonies.CeremonyGone as error:
        return _start_again(error)
    except open_signup.AlreadyRegistered as error:  # sign in or reset: nothing to finish here
        return _html("pages/signup.html", status=error.status, email="", notice=error.detail)
    except Invalid as error:  # the ceremony is not spent: correct the form and send it again
        email = open_signup.proven_email(secret, browser=browser, store=current())
        kept = {name: form.get(name, "") for name in DETAILS_FIELDS}
        return _html(
            "pages/signup_details.html",
            status=error.status,
            email=email,
            ceremony=secret,
            form=kept,
            errors=pagekit.field_errors(error),
        )
    store = current()
    sessions.end(session_token(request), store=store)  # a session from before belongs to someone else
    return pagekit.redirect("/signup/welcome", cookie_header(sessions.start(account, store=store)))


@pagekit.page(blueprint, "/signup/welcome")
def signup_welcome():
    account, go_login = pagekit.signed_in(_request())
    if go_login is not None:
        return go_login
    total = dashboard.build(account, store=current()).total
    return _html("pages/signup_welcome.html", account=account, total=total)


@pagekit.page(blueprint, "/signup/{token}", methods=("GET", "POST"))
def signup_link(token):
    request = _request()
    if request.method == "GET":  # only a button: mail scanners that open links must not spend it
        email = open_signup.link_email(token, store=current())
        if email is None:
            problem = open_signup.LINK_GONE
            return _html("pages/signup_code.html", status=410, email="", link_problem=problem)
        return _html("pages/signup_link.html", token=token, email=email)
    pagekit.posted_form(request)
    browser, cookie = flows.start(request)
    try:
        secret = open_signup.prove_link(token, browser=browser, store=current())
    except Conflict as error:
        return _html("pages/signup_code.html", status=410, email="", link_problem=error.detail)
    return pagekit.redirect(_details(secret), cookie)


def _details(secret: str) -> str:
    return "/signup/details?ceremony=" + quote(secret, safe="")
