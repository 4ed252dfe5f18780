"""A short, seeded schemathesis run on the live stack: every answer is one /api/v1/openapi.json documents.

The checks (tests/fuzz/harness.py): no 5xx, documented status codes and content types, bodies and
headers as documented. With an issuer's API key and without one. `make fuzz` runs far more examples.
"""

from __future__ import annotations

import os

import pytest
import schemathesis

from local import serve
from tests.fuzz import harness
from tests.fuzz.run import create_issuer

SEED = 20260501
EXAMPLES = 12  # per operation in the fuzzing phase; coverage and examples phases add their own cases


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A stack of its own: fuzzing spends per-client rate limits (verify, login) that other tests need."""
    log_path = tmp_path_factory.mktemp("fuzz") / "stack.log"
    with log_path.open("w") as log:
        running = serve.start_stack(serve.free_port(), serve.free_port(), log=log, base=dict(os.environ))
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def targets(stack) -> harness.Targets:
    return harness.make_targets(stack.base_url, create_issuer(stack))


@pytest.fixture(scope="module")
def issuer_api(targets):
    return harness.load_schema(targets, seed=SEED, max_examples=EXAMPLES)


@pytest.fixture(scope="module")
def anonymous_api(targets):
    return harness.load_schema(targets, seed=SEED, max_examples=EXAMPLES // 2, authenticated=False)


issuer_schema = schemathesis.pytest.from_fixture("issuer_api")
anonymous_schema = schemathesis.pytest.from_fixture("anonymous_api")


@issuer_schema.parametrize()
def test_issuer_api_answers_as_documented(case):
    case.call_and_validate()


@anonymous_schema.parametrize()
def test_api_without_a_key_answers_as_documented(case):
    case.call_and_validate()


def test_fuzzing_reached_past_authentication_and_not_found(targets, stack):
    """The runs above got real work done: the fuzzing issuer's key still works, its objects were hit."""
    import requests

    counted = harness.requests_made()
    assert sum(counted.values()) > 300, counted
    response = requests.get(
        f"{stack.base_url}/api/v1/issuer", headers={"Authorization": f"Bearer {targets.api_key}"}, timeout=10
    )
    assert response.status_code == 200, response.text
