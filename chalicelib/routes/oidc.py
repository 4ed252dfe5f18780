"""Social sign-in over OpenID Connect: /login/oidc/{provider} and its callback, the proof asked before an
identity is linked to an account that holds its address, the terms page of a new account, and linking or
unlinking in settings (the settings page itself is routes/sign_in_settings.py; it includes
templates/pages/_identities.html with social.listing)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.errors import Forbidden, Invalid
from chalicelib.services.earners import providers, sessions, social, social_proof
from chalicelib.store import current
from chalicelib.web import csrf, flows, pagekit
from chalicelib.web.sessions import (
    client_ip,
    cookie_header,
    current_account,
    current_session,
    form_body,
    safe_next,
    session_token,
)

blueprint = Blueprint(__name__)
SETTINGS = "/settings/sign-in"


def _request():
    return blueprint.current_request


def _html(name: str, *, status: int = 200, **context: Any) -> Response:
    return pagekit.html(_request(), name, status=status, **context)


def _query() -> dict[str, str]:
    return _request().query_params or {}


@pagekit.page(blueprint, "/login/oidc/{provider_id}")
def start(provider_id):
    """A GET link (form-action 'self' would stop a form's redirect to the provider)."""
    provider = providers.get(provider_id)
    browser, cookie = flows.start(_request(), cross_site_post=provider.response_mode == "form_post")
    nxt = safe_next(_query().get("next"))
    url = social.begin(provider, next=nxt, browser=browser, store=current(), client_ip=client_ip(_request()))
    return pagekit.redirect(url, cookie)


@pagekit.page(blueprint, "/login/oidc/{provider_id}/callback", ("GET", "POST"))
def callback(provider_id):
    """The provider sends the browser back here. Apple POSTs its answer from its own site (form_post):
    that POST is read without the CSRF form check, since the state (single use, bound to this browser's
    flow cookie) is the check; no other route skips it."""
    provider = providers.get(provider_id)
    request = _request()
    if request.method == "POST" and provider.response_mode != "form_post":
        raise Forbidden("This provider answers with a link, not a form.")
    answer = form_body(request) if request.method == "POST" else _query()
    signed_in = current_account(request)
    outcome = social.finish(
        provider, answer, browser=flows.browser(request), store=current(), signed_in=signed_in
    )
    if isinstance(outcome, social.Confirmed):
        return _confirmed(outcome)
    if isinstance(outcome, social.Linked):
        return pagekit.redirect(f"{SETTINGS}?done=linked")
    if isinstance(outcome, social.NeedsProof):
        return _proof_page(outcome.secret, outcome.email, provider.title, outcome.has_password)
    if isinstance(outcome, social.NeedsTerms):
        return _terms_page(
            outcome.secret,
            outcome.email,
            provider.title,
            form={"first_name": outcome.first_name, "last_name": outcome.last_name},
        )
    return _signed_in(outcome)


def _signed_in(outcome: social.SignedIn) -> Response:
    """Replace any earlier session with a new one, then go on (a safe `next` only)."""
    store = current()
    sessions.end(session_token(_request()), store=store)
    token = sessions.start(outcome.account, store=store)
    return pagekit.redirect(safe_next(outcome.next), cookie_header(token))


def _confirmed(outcome) -> Response:
    """A reauth at the provider: this session may make sensitive changes for a while."""
    session = current_session(_request())
    if session is None or session.account.id != outcome.account.id:
        return pagekit.login_redirect(_request())
    sessions.confirm(session, store=current())
    return pagekit.redirect(safe_next(outcome.next))


@pagekit.page(blueprint, "/reauth/oidc/{provider_id}")
def reauth(provider_id):
    """Confirm it is you by signing in again at a provider linked to the account (a GET link: the
    provider is another origin). It carries the session's CSRF token, so no other site can start it."""
    request = _request()
    account, redirect = pagekit.signed_in(request)
    if redirect is not None:
        return redirect
    csrf.check(request, _query())
    provider = providers.get(provider_id)
    browser, cookie = flows.start(request, cross_site_post=provider.response_mode == "form_post")
    nxt = safe_next(_query().get("next"))
    url = social.begin(
        provider,
        next=nxt,
        browser=browser,
        store=current(),
        account_id=account.id,
        reauth=True,
        client_ip=client_ip(request),
    )
    return pagekit.redirect(url, cookie)


# --- proving the account that holds the address ---------------------------------------------------


def _proof_page(
    secret: str, email: str, title: str, has_password: bool, *, status: int = 200, **extra
) -> Response:
    context = {"ceremony": secret, "email": email, "provider": title, "has_password": has_password}
    return _html("pages/oidc_confirm.html", status=status, **context, **extra)


def _proof_context(form: dict) -> tuple[str, Any]:
    secret = form.get("ceremony", "")
    ceremony = social_proof.proof(secret, browser=flows.browser(_request()), store=current())
    return secret, ceremony


def _proof_again(secret: str, ceremony, error: Invalid, **extra) -> Response:
    account = current().accounts.get(ceremony.account_id or "")
    title = providers.get(ceremony.data["provider"]).title
    has_password = bool(account and account.password_hash)
    errors = pagekit.field_errors(error)
    return _proof_page(
        secret, ceremony.data["email"], title, has_password, status=422, errors=errors, **extra
    )


@pagekit.page(blueprint, "/login/oidc/confirm", ("POST",))
def confirm():
    form = pagekit.posted_form(_request())
    secret, ceremony = _proof_context(form)
    browser = flows.browser(_request())
    try:
        if "code" in form:
            outcome = social_proof.by_code(
                secret, form["code"], client_ip(_request()), browser=browser, store=current()
            )
        else:
            password = form.get("password", "")
            outcome = social_proof.by_password(
                secret, password, client_ip(_request()), browser=browser, store=current()
            )
    except Invalid as error:
        return _proof_again(secret, ceremony, error, code_sent="code" in form)
    return _signed_in(outcome)


@pagekit.page(blueprint, "/login/oidc/confirm/code", ("POST",))
def confirm_code():
    form = pagekit.posted_form(_request())
    secret, ceremony = _proof_context(form)
    browser = flows.browser(_request())
    social_proof.send_code(secret, client_ip(_request()), browser=browser, store=current())
    account = current().accounts.get(ceremony.account_id or "")
    title = providers.get(ceremony.data["provider"]).title
    return _proof_page(
        secret, ceremony.data["email"], title, bool(account and account.password_hash), code_sent=True
    )


# --- a new account --------------------------------------------------------------------------------


def _terms_page(secret: str, email: str, title: str, *, status: int = 200, **extra) -> Response:
    return _html(
        "pages/oidc_welcome.html", status=status, ceremony=secret, email=email, provider=title, **extra
    )


@pagekit.page(blueprint, "/login/oidc/welcome", ("POST",))
def welcome():
    form = pagekit.posted_form(_request())
    secret, browser = form.get("ceremony", ""), flows.browser(_request())
    try:
        outcome = social_proof.create(secret, form, browser=browser, store=current())
    except Invalid as error:
        ceremony = social_proof.new_account(secret, browser=browser, store=current())
        title = providers.get(ceremony.data["provider"]).title
        kept = {k: form.get(k, "") for k in ("first_name", "last_name", "product_mail", "terms")}
        return _terms_page(
            secret, ceremony.data["email"], title, status=422, form=kept, errors=pagekit.field_errors(error)
        )
    return _signed_in(outcome)


# --- settings: link another provider, unlink one ----------------------------------------------------


@pagekit.page(blueprint, "/settings/sign-in/identities/{provider_id}/link")
def link(provider_id):
    """A GET link (the provider is another origin: a form's redirect there is against form-action
    'self'), so it carries the session's CSRF token and wants a fresh session."""
    request = _request()
    account, redirect = pagekit.signed_in(request, fresh_for=SETTINGS)
    if redirect is not None:
        return redirect
    csrf.check(request, _query())
    provider = providers.get(provider_id)
    browser, cookie = flows.start(request, cross_site_post=provider.response_mode == "form_post")
    url = social.begin(
        provider,
        next=SETTINGS,
        browser=browser,
        store=current(),
        account_id=account.id,
        client_ip=client_ip(request),
    )
    return pagekit.redirect(url, cookie)


@pagekit.page(blueprint, "/settings/sign-in/identities/{provider_id}/unlink", ("POST",))
def unlink(provider_id):
    request = _request()
    account, redirect = pagekit.signed_in(request, fresh_for=SETTINGS)
    if redirect is not None:
        return redirect
    form = pagekit.posted_form(request)
    social.unlink(account, provider_id, form.get("identity", ""), store=current())
    return pagekit.redirect(f"{SETTINGS}?done=unlinked")
