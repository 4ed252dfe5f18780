"""Local stage only: /outbox shows every mail SES (moto) accepted, links clickable; 404 elsewhere."""

from __future__ import annotations

import json

from chalice import Blueprint, Response

from chalicelib.config import get_settings
from chalicelib.store import current

blueprint = Blueprint(__name__)


def _not_found() -> Response:
    return Response(body="Not found", status_code=404, headers={"Content-Type": "text/plain"})


@blueprint.route("/outbox", methods=["GET"])
def outbox_page() -> Response:
    if not get_settings().is_local:
        return _not_found()
    from chalicelib.web import outbox

    return outbox.page([{**m, "n": n} for n, m in enumerate(outbox.messages(current().mail), start=1)])


@blueprint.route("/outbox/{n}", methods=["GET"])
def outbox_message(n: str) -> Response:
    """One message; /outbox/1 is the newest."""
    if not get_settings().is_local:
        return _not_found()
    from chalicelib.web import outbox

    mail = outbox.messages(current().mail)
    if not n.isdigit() or not 1 <= int(n) <= len(mail):
        return outbox.page([], single=True, status=404)
    return outbox.page([{**mail[int(n) - 1], "n": int(n)}], single=True)


@blueprint.route("/outbox.json", methods=["GET"])
def outbox_json() -> Response:
    """[{id, from, to, subject, html, text, template?, data?}], newest first."""
    if not get_settings().is_local:
        return _not_found()
    from chalicelib.web import outbox

    return Response(
        body=json.dumps(outbox.messages(current().mail)), headers={"Content-Type": "application/json"}
    )
