"""Session fixtures for end-to-end tests: the whole local stack over HTTP, and issuers made by the CLI
(tests/support/live.py)."""

from __future__ import annotations

import pytest

from tests.support import live as stack
from tests.support.issuing import IssuerApi
from tests.support.live import Issuer

# The stack's fixtures (tests/support/live.py): `live` (the whole stack over HTTP) and `make_issuer`.
live = stack.live
make_issuer = stack.make_issuer


@pytest.fixture
def issuer(make_issuer) -> Issuer:
    """A fresh issuer (id, key, name, url, email) for one test."""
    return make_issuer()


# --- a badge to award, one per test module ---------------------------------------------------------


@pytest.fixture(scope="module")
def badge(live, make_issuer):
    """An issuer (whose name tries XSS) with one badge class, and a way to award it."""
    issuer = make_issuer(name="<img src=x onerror=alert(1)> Academy")
    api = IssuerApi(live.base_url, issuer.key)
    badge_id = api.badge_class()["id"]
    return lambda email: api.award(badge_id, email)
