"""The earner's dashboard and tabbed backpack: accept, reject and recover with one click each."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.errors import Invalid, NotFound
from chalicelib.services.backpack import dashboard, shelf
from chalicelib.store import current
from chalicelib.web import pagekit
from chalicelib.web.sessions import current_account

blueprint = Blueprint(__name__)

ACTIONS = ("accept", "reject", "recover")  # names of backpack service functions
# After an action the badge is shown in the tab it moved to, with a notice from this fixed list.
MOVED_TO = {"accept": "accepted", "reject": "rejected", "recover": "pending"}
NOTICES = {
    "accept": "Badge accepted. It is in your Accepted tab now.",
    "reject": "Badge rejected. You can recover it from here at any time.",
    "recover": "Badge recovered. It is pending again: accept it when you are ready.",
}
MAX_CURSOR = 200


def _request():
    return blueprint.current_request


def _html(name: str, *, status: int = 200, **context: Any) -> Response:
    return pagekit.html(_request(), name, status=status, **context)


@pagekit.page(blueprint, "/backpack")
def backpack_page():
    account = current_account(_request())
    if account is None:
        return pagekit.login_redirect(_request())
    query = _request().query_params or {}
    after = query.get("after") or None
    if after is not None and len(after) > MAX_CURSOR:
        after = None
    listing = shelf.tab_page(account, query.get("tab"), after, store=current())
    notice = NOTICES.get(query.get("done", ""))
    return _html("pages/backpack.html", account=account, page=listing, notice=notice)


@pagekit.page(blueprint, "/backpack/{assertion_id}/{action}", methods=("POST",))
def backpack_action(assertion_id, action):
    account = current_account(_request())
    if account is None:
        return pagekit.login_redirect(_request())
    pagekit.posted_form(_request())
    if action not in ACTIONS:
        raise NotFound("No such action.")
    getattr(shelf, action)(account, assertion_id, store=current())
    return pagekit.redirect(f"/backpack?tab={MOVED_TO[action]}&done={action}#badge-{assertion_id}")


@pagekit.page(blueprint, "/dashboard")
def dashboard_page():
    account = current_account(_request())
    if account is None:
        return pagekit.login_redirect(_request())
    saved = (_request().query_params or {}).get("saved") == "1"
    return _dashboard(account, saved=saved)


def _dashboard(account, *, status: int = 200, **extra: Any) -> Response:
    summary = dashboard.build(account, store=current())
    context = {"goals": account.career_goals or "", "max_goals": dashboard.MAX_GOALS, **extra}
    return _html("pages/dashboard.html", status=status, account=account, summary=summary, **context)


@pagekit.page(blueprint, "/dashboard/goals", methods=("POST",))
def dashboard_goals():
    account = current_account(_request())
    if account is None:
        return pagekit.login_redirect(_request())
    form = pagekit.posted_form(_request())
    try:
        text = dashboard.read_goals(form)
    except Invalid as error:
        kept = form.get("career_goals") if isinstance(form.get("career_goals"), str) else ""
        return _dashboard(account, status=422, goals=kept, errors=pagekit.field_errors(error))
    dashboard.save_goals(account, text, store=current())
    return pagekit.redirect("/dashboard?saved=1#goals")
