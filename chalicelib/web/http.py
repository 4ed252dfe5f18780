"""HTTP plumbing shared by the blueprints: problem+json errors, JSON bodies, content negotiation."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib.services.errors import Invalid, LaurelError, TooLarge, Unsupported

log = logging.getLogger(__name__)
MAX_JSON_BYTES = 1_048_576
# Let every content type reach the view, which answers 415 as problem+json (Chalice's own 415 is not).
ANY_CONTENT = ["*/*"]


def problem(
    status: int, title: str, detail: str, *, errors: list | None = None, extra: dict | None = None
) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    return Response(
        body=json.dumps(body), status_code=status, headers={"Content-Type": "application/problem+json"}
    )


def route(bp: Blueprint, path: str, **kwargs: Any) -> Callable:
    """Register a view that turns domain errors into problem+json and never leaks a 500 body."""
    kwargs.setdefault("content_types", ANY_CONTENT)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kw: Any) -> Any:
            try:
                return view(*args, **kw)
            except LaurelError as error:
                return problem(
                    error.status, error.title, error.detail, errors=error.errors, extra=error.extra
                )
            except Exception:
                log.exception("unexpected error on %s", path)
                return problem(500, "Internal error", "Something went wrong on our side; it has been logged.")

        bp.route(path, **kwargs)(wrapper)
        return wrapper

    return decorate


def content_type(request: Any) -> str:
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


def raw_body(request: Any, max_bytes: int) -> bytes:
    body = request.raw_body or b""
    if len(body) > max_bytes:
        raise TooLarge(f"The request body is larger than {max_bytes // 1024} KB.")
    return body


def json_body(request: Any, *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """The parsed JSON body; 415 for another content type, 400 for malformed JSON, 413 when too large."""
    if content_type(request) != "application/json":
        raise Unsupported("Send a JSON body with Content-Type: application/json.")
    return parse_json(raw_body(request, max_bytes))


def parse_json(body: bytes) -> Any:
    if not body.strip():
        raise Invalid("The request body is empty; send a JSON object.")
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise Invalid("The request body is not UTF-8.") from None
    except json.JSONDecodeError as error:
        raise _bad_json(
            f"The request body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}."
        ) from None
    except RecursionError:
        raise _bad_json("The request body is nested too deeply.") from None


def _bad_json(detail: str) -> LaurelError:
    error = LaurelError(detail)
    error.status, error.title = 400, "Malformed JSON"
    return error


def wants_html(request: Any) -> bool:
    """True when a browser asks: Accept names text/html before any JSON type."""
    accept = (request.headers.get("accept") or "").lower()
    html, json_at = accept.find("text/html"), accept.find("json")
    return html >= 0 and (json_at < 0 or html < json_at)


def json_response(
    body: Any, *, status: int = 200, content_type: str = "application/json", headers=None
) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": content_type, **(headers or {})},
    )


def query(request: Any, name: str) -> str | None:
    return (request.query_params or {}).get(name)
