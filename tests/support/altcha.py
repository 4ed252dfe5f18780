"""The "I'm not a robot" check solved the way the widget solves it (services/shared/proof_of_work.py), for
tests that post the forms it guards: `solved(store)` in-process, `solved(live.base_url)` on a live stack.
Tests run it at a low cost (ALTCHA_COST in tests/conftest.py), so a solution takes milliseconds."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.store import Store


def challenge(store_or_url: Store | str | None = None) -> dict:
    """A fresh challenge: from the live stack's /altcha/challenge for a URL, else made on `store` (by
    default the current one; on the test stage no store is read: the development key signs it)."""
    if isinstance(store_or_url, str):
        import requests

        response = requests.get(store_or_url.rstrip("/") + "/altcha/challenge", timeout=10)
        response.raise_for_status()
        return response.json()
    from chalicelib.services.shared import proof_of_work
    from chalicelib.store import current

    return proof_of_work.new_challenge(store=store_or_url or current())


def solve(challenge_json: dict) -> str:
    """The form field's value for a challenge: base64 JSON of {challenge, solution}, as the widget sends."""
    import altcha

    found = altcha.Challenge.from_dict(challenge_json)
    solution = altcha.solve_challenge(found, timeout=30)
    assert solution is not None, "the challenge was not solved within 30 s"
    return altcha.Payload(found, solution).to_base64()


def solved(store_or_url: Store | str | None = None) -> str:
    """A valid, unspent payload for the "altcha" field."""
    return solve(challenge(store_or_url))
