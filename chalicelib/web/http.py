"""HTTP plumbing shared by the blueprints: problem+json errors, JSON bodies, content negotiation."""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib.errors import Busy, Invalid, LaurelError, TooLarge, Unsupported

log = logging.getLogger(__name__)
MAX_JSON_BYTES = 1_048_576
# Let every content type reach the view, which answers 415 as problem+json (Chalice's own 415 is not).
ANY_CONTENT = ["*/*"]
RETRY_AFTER = "2"  # seconds: throttling and brief outages usually pass within a few
BUSY = (
    "A service this request needs is busy or briefly unavailable. Try again in a few seconds; "
    "an award retried with the same Idempotency-Key is made only once."
)


def problem(
    status: int, title: str, detail: str, *, errors: list | None = None, extra: dict | None = None
) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    headers = {"Content-Type": "application/problem+json"}
    if status == 503:
        headers["Retry-After"] = RETRY_AFTER
    return Response(body=json.dumps(body), status_code=status, headers=headers)


def unexpected_status(error: Exception, where: str) -> int:
    """Log an error no domain rule explains: 503 when AWS is busy or unreachable (a retry may pass)."""
    from chalicelib.store import is_busy

    if is_busy(error):
        log.warning("AWS busy or unreachable on %s: %r", where, error)
        return 503
    log.exception("unexpected error on %s", where)
    return 500


def route(bp: Blueprint, path: str, **kwargs: Any) -> Callable:
    """Register a view that turns domain errors into problem+json and never leaks a 500 body."""
    kwargs.setdefault("content_types", ANY_CONTENT)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kw: Any) -> Any:
            try:
                return view(*args, **kw)
            except Busy as error:  # the store's word for AWS saying "not now": the same answer as before
                log.warning("AWS busy or unreachable on %s: %r", path, error)
                return problem(503, "Service unavailable", BUSY)
            except LaurelError as error:
                return problem(
                    error.status, error.title, error.detail, errors=error.errors, extra=error.extra
                )
            except Exception as error:
                if unexpected_status(error, path) == 503:
                    return problem(503, "Service unavailable", BUSY)
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
    """Strict JSON (RFC 8259): no repeated keys, NaN, Infinity or numbers too long to mean anything."""
    if not body.strip():
        raise Invalid("The request body is empty; send a JSON object.")
    try:
        return json.loads(
            body, object_pairs_hook=_object, parse_constant=_constant, parse_int=_integer, parse_float=_real
        )
    except UnicodeDecodeError:
        raise Invalid("The request body is not UTF-8.") from None
    except json.JSONDecodeError as error:
        raise _bad_json(
            f"The request body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}."
        ) from None
    except _Refused as error:
        raise _bad_json(f"The request body is not valid JSON: {error}.") from None
    except RecursionError:
        raise _bad_json("The request body is nested too deeply.") from None


class _Refused(ValueError):
    """JSON that Python's parser takes but that means two things, or nothing (raised from its hooks)."""


def _object(pairs: list[tuple[str, Any]]) -> dict:
    """An object whose keys are all different: another parser (a proxy, a WAF) might keep the first."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise _Refused(f"the key {json.dumps(twice[:50])} appears twice in one object")
    return found


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > 100:  # Python would refuse past 4,300 digits with a ValueError (a 500)
        raise _Refused("a number has more than 100 digits")
    return int(text)


def _real(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e999 would silently become Infinity
        raise _Refused(f"the number {text[:20]} is too large")
    return value


def _bad_json(detail: str) -> LaurelError:
    error = LaurelError(detail)
    error.status, error.title = 400, "Malformed JSON"
    return error


def wants_html(request: Any) -> bool:
    """True when a browser asks: Accept names text/html before any JSON type."""
    accept = (request.headers.get("accept") or "").lower()
    html, json_at = accept.find("text/html"), accept.find("json")
    return html >= 0 and (json_at < 0 or html < json_at)


def accept_any_when_unsaid(request: Any) -> None:
    """A request without Accept takes any type (RFC 9110 §12.5.1). Chromium sends none for an
    `<a download>` click, and Chalice answers 400 to a binary response whose request names no type."""
    if request is not None and "accept" not in request.headers:
        from chalice.app import CaseInsensitiveMapping

        request.headers = CaseInsensitiveMapping({**request.headers, "accept": "*/*"})


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
