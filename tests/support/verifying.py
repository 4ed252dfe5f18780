"""A fake internet for the verifier (url → status, type, body; what was fetched) and an OB 2.0 issuer,
badge class and hosted assertion to put on it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from chalicelib.openbadges import ob2
from chalicelib.openbadges.verify import FetchError, FetchRefused

ADA = "ada@example.org"


SALT = "pepper"


SITE = "https://skills.example"


ISSUER = f"{SITE}/issuer"


BADGE = f"{SITE}/badges/data"


ASSERTION = f"{SITE}/assertions/1"


class Web:
    """A fake internet: url → (status, content type, body); records what was fetched."""

    def __init__(self):
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        self.fetched: list[str] = []

    def put(self, url: str, document, status: int = 200, kind: str = "application/ld+json") -> None:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        self.pages[url] = (status, kind, body)

    def __call__(self, url: str):
        self.fetched.append(url)
        if url.startswith("http://10."):
            raise FetchRefused(
                "That address points into a private network; Laurel only fetches public addresses."
            )
        if url not in self.pages:
            raise FetchError("The address could not be found.")
        return self.pages[url]


def hosted_assertion(**changes) -> dict:
    document = ob2.assertion(
        id=ASSERTION,
        badge=BADGE,
        identity=ob2.hashed_identity(ADA, SALT),
        salt=SALT,
        issued_on=datetime(2026, 1, 1, tzinfo=UTC),
        verification=ob2.hosted_verification(),
        expires=datetime(2027, 1, 1, tzinfo=UTC),
    )
    return {**document, **changes}
