"""Fuzzing the issuer API with schemathesis: real ids to aim at, the schema with its config and hooks.

Shared by the short run in `make test` (tests/e2e/test_fuzz_api.py) and the long one (`make fuzz`,
tests/fuzz/run.py). Both load /api/v1/openapi.json from a running stack and check every response
against it: no 5xx, only documented status codes and content types, bodies and headers as documented.
"""

from __future__ import annotations

import base64
import io
import threading
from collections import Counter
from dataclasses import dataclass, field

import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from chalicelib.services.issuing.bulk import MAX_ROWS

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)
# Bulk bodies the API would accept are cut to this many rows. moto's TransactWriteItems deep-copies every
# table it touches and its GSI queries scan the whole table, so each award the local stack holds makes
# the next slower: the coverage phase's maxItems boundary (a 10,000-row job) turned the rest of a run into
# 29 s timeouts. DynamoDB has neither cost; tests/unit/test_api_bad_input.py covers the row limits.
# Bodies over the limit are kept whole: they must be refused (422) and write nothing.
FUZZ_BULK_ROWS = 100
# Path parameter -> the key of Targets.ids whose real ids it takes some of the time.
PATH_IDS = {"badge_id": "badge", "assertion_id": "assertion", "job_id": "job", "key_id": "key"}


@dataclass
class Targets:
    """Real objects of the fuzzing issuer, so path parameters reach past the 404s."""

    base_url: str
    api_key: str
    key_id: str  # the key the fuzzer sends: never revoked by it (see _keep_own_key)
    ids: dict[str, list[str]] = field(default_factory=dict)


def _png() -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 32), "teal").save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def make_targets(base_url: str, api_key: str) -> Targets:
    """Create what the fuzzer aims at through the API: a spare key, badge classes, awards, a bulk job."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {api_key}"
    api = f"{base_url}/api/v1"

    def post(path: str, body: dict | None = None) -> dict:
        response = session.post(f"{api}{path}", json=body, timeout=30)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json()

    own = session.get(f"{api}/keys", timeout=30).json()["items"]
    spare = post("/keys", {"label": "fuzz spare"})
    badges = [
        post(
            "/badgeclasses",
            {
                "name": f"Fuzz badge {n}",
                "description": "Aimed at by the fuzzer.",
                "image": _png(),
                "criteria_narrative": "Survive **fuzzing**.",
                "expires_after": {"amount": 1, "unit": "years"} if n else None,
            },
        )
        for n in range(2)
    ]
    awards = [
        post(
            f"/badgeclasses/{badges[n % 2]['id']}/assertions",
            {"recipient_email": f"earner{n}@fuzz.example", "recipient_name": f"Earner {n}", "notify": n == 0},
        )
        for n in range(4)
    ]
    job = post(
        f"/badgeclasses/{badges[0]['id']}/assertions/bulk",
        {"assertions": [{"recipient_email": "bulk@fuzz.example", "notify": False}, {"recipient_email": "x"}]},
    )
    return Targets(
        base_url,
        api_key,
        key_id=own[0]["id"],
        ids={
            "badge": [b["id"] for b in badges],
            "assertion": [a["id"] for a in awards],
            "job": [job["id"]],
            "key": [spare["id"]],
        },
    )


def config(
    *,
    seed: int,
    max_examples: int,
    headers: dict[str, str] | None = None,
    stateful: bool = False,
    checks: tuple[str, ...] = CHECKS,
) -> SchemathesisConfig:
    """Our checks and phases; reproducible (seeded, no example database, no cache)."""
    return SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "headers": headers or {},
            # API Gateway's own limit: slower is a 504 in production. /verify may spend 15 s fetching.
            "request-timeout": 29,
            "cache": {"enabled": False},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in checks}},
            "generation": {"max-examples": max_examples, "database": "none"},
            "phases": {
                "examples": {"enabled": True},
                # `chalice local` (Python's http.server) answers TRACE and QUERY itself with a 501 HTML
                # page before the app sees them; API Gateway refuses them itself too. The other
                # unexpected methods (PUT, DELETE, ...) do reach the app's router and stay tested.
                "coverage": {
                    "enabled": True,
                    "unexpected-methods": ["PUT", "PATCH", "DELETE", "POST", "GET"],
                },
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": stateful, "max-steps": 10},
            },
        }
    )


def load_schema(targets: Targets, *, seed: int, max_examples: int, authenticated: bool = True, **more):
    """The issuer API's schema from the running stack, with the hooks that aim at real ids."""
    headers = {"Authorization": f"Bearer {targets.api_key}"} if authenticated else None
    schema = schemathesis.openapi.from_url(
        f"{targets.base_url}/api/v1/openapi.json",
        config=config(seed=seed, max_examples=max_examples, headers=headers, **more),
    )
    _aim(schema, targets)
    _ACTIVE.targets = targets
    return schema


def _aim(schema, targets: Targets) -> None:
    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        """Each id-like path parameter: the generated value or, as often, one of ours."""
        return st.fixed_dictionaries(
            {
                name: st.one_of(st.just(value), st.sampled_from(targets.ids[PATH_IDS[name]]))
                if PATH_IDS.get(name) in targets.ids
                else st.just(value)
                for name, value in (path_parameters or {}).items()
            }
        )


@dataclass
class _Active:
    """The targets of the current run and the requests sent so far (the engine calls from worker threads)."""

    targets: Targets | None = None
    requests: Counter = field(default_factory=Counter)
    slowest: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_ACTIVE = _Active()


@schemathesis.hook
def before_call(context, case, kwargs):
    """Keep the run able to go on (a global hook: schemathesis gives before_call only to those).

    Never revoke the key the fuzzer authenticates with, which would leave only 401s (revoking it is
    legitimate and tested elsewhere; the spare key takes its place), and cut big bulk bodies (see
    FUZZ_BULK_ROWS).
    """
    targets = _ACTIVE.targets
    if targets and case.path_parameters and case.path_parameters.get("key_id") == targets.key_id:
        case.path_parameters["key_id"] = targets.ids["key"][0]
    rows = case.body.get("assertions") if isinstance(case.body, dict) else None
    if isinstance(rows, list) and FUZZ_BULK_ROWS < len(rows) <= MAX_ROWS and case.path.endswith("/bulk"):
        case.body["assertions"] = rows[:FUZZ_BULK_ROWS]


@schemathesis.hook
def after_call(context, case, response):
    operation = f"{case.method.upper()} {case.operation.path}"
    with _ACTIVE.lock:
        _ACTIVE.requests[operation] += 1
        _ACTIVE.slowest[operation] = max(_ACTIVE.slowest.get(operation, 0.0), response.elapsed)


def requests_made() -> Counter:
    """Requests sent by schemathesis so far in this process, by operation."""
    return _ACTIVE.requests


def slowest(n: int = 5) -> list[tuple[str, float]]:
    """The n operations with the slowest single response so far (seconds)."""
    return sorted(_ACTIVE.slowest.items(), key=lambda kv: -kv[1])[:n]
