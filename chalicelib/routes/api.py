"""The issuer API under /api/v1: parse the request, call one service, answer JSON."""

from __future__ import annotations

import functools
from collections.abc import Callable

from chalice import Blueprint, Response

from chalicelib.errors import Invalid, Unsupported
from chalicelib.services.issuing import award_changes, awards, badgeclasses, bulk, issuers
from chalicelib.services.shared import ids
from chalicelib.services.shared.fields import normalise_email
from chalicelib.store import current, cursors
from chalicelib.web import forms
from chalicelib.web.http import content_type, json_body, json_response, query, raw_body, route

blueprint = Blueprint(__name__)
MAX_BULK_BYTES = 10 * 1_048_576
MAX_UPLOAD_BYTES = 2 * 1_048_576


# Query parameters an operation reads; any other, or one given twice, is refused (422) as unknown body
# fields are: a misspelt `?limt=10` must not quietly answer 50 items.
PAGE = ("limit", "cursor")
AWARD_FILTERS = ("recipient_email", "state", *PAGE)


def _api(path: str, method: str, *, query: tuple[str, ...] = ()) -> Callable:
    """Register an /api/v1 view (problem+json errors) that first checks the query parameters."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(*args, **kwargs):
            _check_query(query)
            return view(*args, **kwargs)

        route(blueprint, path, methods=[method])(checked)
        return view

    return decorate


def _check_query(known: tuple[str, ...]) -> None:
    params = _request().query_params or {}
    errors = [
        {"field": name, "detail": "is not a parameter of this operation"}
        if name not in known
        else {"field": name, "detail": "is given more than once"}
        for name in sorted(params)
        if name not in known or len(params.getlist(name)) > 1
    ]
    if errors:
        raise Invalid(f"Query parameter {errors[0]['field']} {errors[0]['detail']}.", errors=errors)


def _request():
    return blueprint.current_request


def _issuer_id() -> str:
    return issuers.authenticate(_request().headers.get("authorization"), store=current())


def _page_args() -> tuple[int, dict | None]:
    raw = query(_request(), "limit") or "50"
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise Invalid(
            "limit must be a whole number from 1 to 100.", errors=[{"field": "limit", "detail": "1-100"}]
        )
    return int(raw), cursors.decode(query(_request(), "cursor"))


def _page(items: list[dict], key: dict | None) -> dict:
    return {"items": items, "next_cursor": cursors.encode(key)}


def _created(body: dict, location: str) -> Response:
    return json_response(body, status=201, headers={"Location": location})


# --- issuer profile and keys ---------------------------------------------------------------------


@_api("/issuer", "GET")
def get_issuer():
    return issuers.to_api(issuers.get_issuer(_issuer_id(), store=current()))


@_api("/issuer", "PATCH")
def update_issuer():
    issuer_id = _issuer_id()
    return issuers.to_api(issuers.update_profile(issuer_id, json_body(_request()), store=current()))


@_api("/issuer/rotate-credential-key", "POST")
def rotate_credential_key():
    from chalicelib.services.hosting import credential_keys  # lazy: OB 3.0 crypto stays out of the cold start

    issuer_id = _issuer_id()
    return credential_keys.key_to_api(issuer_id, credential_keys.rotate_key(issuer_id, store=current()))


@_api("/keys", "GET")
def list_keys():
    return {"items": [issuers.key_to_api(k) for k in issuers.list_api_keys(_issuer_id(), store=current())]}


@_api("/keys", "POST")
def create_key():
    issuer_id = _issuer_id()
    body = json_body(_request()) if (_request().raw_body or b"").strip() else {}
    item, key = issuers.create_api_key(issuer_id, label=issuers.read_key_label(body), store=current())
    return json_response({**issuers.key_to_api(item), "api_key": key}, status=201)


@_api("/keys/{key_id}/revoke", "POST")
def revoke_key(key_id):
    return issuers.key_to_api(issuers.revoke_api_key(_issuer_id(), key_id, store=current()))


# --- badge classes -------------------------------------------------------------------------------


def _badge_body():
    request = _request()
    kind = content_type(request)
    if kind == "multipart/form-data":
        return forms.parse_multipart(raw_body(request, MAX_UPLOAD_BYTES), request.headers["content-type"])
    if kind != "application/json":
        raise Unsupported("Send JSON (image as a data URI) or multipart/form-data (image as a file).")
    return json_body(request, max_bytes=MAX_UPLOAD_BYTES)


@_api("/badgeclasses", "POST")
def create_badge_class():
    issuer_id = _issuer_id()
    item = badgeclasses.create(issuer_id, _badge_body(), store=current())
    return _created(badgeclasses.to_api(item), f"/api/v1/badgeclasses/{item.id}")


@_api("/badgeclasses", "GET", query=PAGE)
def list_badge_classes():
    issuer_id = _issuer_id()
    limit, _ = _page_args()  # the store reads the cursor itself
    items, cursor = badgeclasses.list_page(
        issuer_id, limit=limit, cursor=query(_request(), "cursor"), store=current()
    )
    return {"items": [badgeclasses.to_api(i) for i in items], "next_cursor": cursor}


@_api("/badgeclasses/{badge_id}", "GET")
def get_badge_class(badge_id):
    return badgeclasses.to_api(badgeclasses.get(_issuer_id(), badge_id, store=current()))


@_api("/badgeclasses/{badge_id}", "PATCH")
def update_badge_class(badge_id):
    issuer_id = _issuer_id()
    return badgeclasses.to_api(badgeclasses.update(issuer_id, badge_id, _badge_body(), store=current()))


# --- awards --------------------------------------------------------------------------------------


@_api("/badgeclasses/{badge_id}/assertions", "POST")
def award(badge_id):
    issuer_id = _issuer_id()
    key = _request().headers.get("idempotency-key")
    item, created = awards.award_to_class(
        issuer_id, badge_id, lambda: json_body(_request()), idempotency_key=key, store=current()
    )
    body = awards.to_api(item)
    return _created(body, f"/api/v1/assertions/{item.id}") if created else json_response(body)


@_api("/badgeclasses/{badge_id}/assertions/bulk", "POST")
def award_in_bulk(badge_id):
    issuer_id = _issuer_id()
    key = _request().headers.get("idempotency-key")
    job, errors = bulk.award_in_bulk(issuer_id, badge_id, _bulk_upload, idempotency_key=key, store=current())
    body = {**bulk.job_to_api(job), "status_url": f"/api/v1/jobs/{job.id}", "errors": errors}
    return json_response(body, status=202, headers={"Location": f"/api/v1/jobs/{job.id}"})


def _bulk_upload() -> tuple[list, bytes]:
    """The rows of a bulk award (CSV or JSON) and the bytes an Idempotency-Key's retry must repeat."""
    request = _request()
    kind = content_type(request)
    if kind == "text/csv":
        rows = bulk.rows_from_csv(raw_body(request, MAX_BULK_BYTES))
    elif kind == "application/json":
        rows = bulk.rows_from_json(json_body(request, max_bytes=MAX_BULK_BYTES))
    else:
        raise Unsupported('Send {"assertions": [...]} as application/json, or a CSV file as text/csv.')
    return rows, kind.encode() + b"\n" + raw_body(request, MAX_BULK_BYTES)


@_api("/badgeclasses/{badge_id}/assertions", "GET", query=AWARD_FILTERS)
def list_badge_assertions(badge_id):
    issuer_id = _issuer_id()
    badgeclasses.get(issuer_id, badge_id, store=current())
    return _list_awards(issuer_id, badge_id=badge_id)


@_api("/assertions", "GET", query=("badge_class", *AWARD_FILTERS))
def list_assertions():
    issuer_id = _issuer_id()
    return _list_awards(issuer_id, badge_id=query(_request(), "badge_class"))


def _list_awards(issuer_id: str, *, badge_id: str | None) -> dict:
    email = normalise_email(query(_request(), "recipient_email") or "") or None
    state = query(_request(), "state")
    if email and len(email) > 254:  # no address is longer; nor may a DynamoDB key be much longer
        raise Invalid(
            "recipient_email must be at most 254 characters.",
            errors=[{"field": "recipient_email", "detail": "at most 254 characters"}],
        )
    if state and state not in ("pending", "accepted", "rejected", "revoked", "expired"):
        raise Invalid(
            "state must be pending, accepted, rejected, revoked or expired.",
            errors=[{"field": "state", "detail": "unknown state"}],
        )
    limit, cursor = _page_args()
    if badge_id is not None and not ids.plausible_id(badge_id):
        return _page([], None)  # no badge class has that id, so none of its awards exist
    items, key = awards.list_page(
        issuer_id, badge_id=badge_id, email=email, state=state, limit=limit, cursor=cursor, store=current()
    )
    return _page([awards.to_api(i) for i in items], key)


@_api("/assertions/{assertion_id}", "GET")
def get_assertion(assertion_id):
    return awards.for_issuer(_issuer_id(), assertion_id, store=current())


@_api("/assertions/{assertion_id}/revoke", "POST")
def revoke(assertion_id):
    issuer_id = _issuer_id()
    ids, reason = award_changes.read_revocation(json_body(_request()))
    if ids is not None:
        raise Invalid(
            "ids belongs to POST /api/v1/assertions/revoke.", errors=[{"field": "ids", "detail": "not here"}]
        )
    return awards.to_api(award_changes.revoke(issuer_id, assertion_id, reason, store=current()))


@_api("/assertions/revoke", "POST")
def revoke_many():
    issuer_id = _issuer_id()
    ids, reason = award_changes.read_revocation(json_body(_request()))
    if not ids:
        raise Invalid(
            "ids is required: the assertions to revoke.", errors=[{"field": "ids", "detail": "is required"}]
        )
    return {"items": award_changes.revoke_many(issuer_id, ids, reason, store=current())}


@_api("/assertions/{assertion_id}/resend", "POST")
def resend(assertion_id):
    return awards.to_api(award_changes.resend(_issuer_id(), assertion_id, store=current()))


@_api("/assertions/{assertion_id}/recertify", "POST")
def recertify(assertion_id):
    issuer_id = _issuer_id()
    body = json_body(_request()) if (_request().raw_body or b"").strip() else {}
    return awards.to_api(award_changes.recertify(issuer_id, assertion_id, body, store=current()))


@_api("/assertions/{assertion_id}/erase", "POST")
def erase(assertion_id):
    award_changes.erase(_issuer_id(), assertion_id, store=current())
    return Response(body="", status_code=204)


# --- jobs and the API description ----------------------------------------------------------------


@_api("/jobs/{job_id}", "GET", query=PAGE)
def get_job(job_id):
    issuer_id = _issuer_id()
    limit, cursor = _page_args()
    return bulk.job_report(issuer_id, job_id, limit=limit, cursor=cursor, store=current())


@_api("/openapi.json", "GET")
def openapi():
    from chalicelib.web.openapi import document

    return document()
