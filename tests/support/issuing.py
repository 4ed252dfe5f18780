"""Helpers for tests that issue badges over HTTP: a badge image, and the issuer API as one issuer::

    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(name="Mentor", image=data_uri(png("navy")))
    assertion = api.award(badge["id"], "ada@example.org", **QUIET)
    api.revoke(assertion["id"], "Issued in error")

In-process tests (tests/unit) have their own helpers in tests/support/inprocess.py.
"""

from __future__ import annotations

import base64
import io

import requests

QUIET = {"notify": False, "allow_duplicate": True}  # award fields: mail no one, and allow a repeat


def png(colour: str = "teal", size: int = 96) -> bytes:
    """A solid-colour, size x size RGB PNG."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "PNG")
    return out.getvalue()


def data_uri(data: bytes, kind: str = "image/png") -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


class IssuerApi:
    """The issuer API (/api/v1) as one issuer, with its key. Every call asserts the status expected
    (with the response's text in the message) and returns the JSON body."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base = f"{base_url}/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def request(self, method: str, path: str, body: dict | None = None, *, status: int, **kwargs) -> dict:
        """One request with a JSON body (or data=/files= for a form, headers= to add)."""
        response = self.session.request(method, self.base + path, json=body, timeout=30, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def get(self, path: str, *, status: int = 200) -> dict:
        return self.request("GET", path, status=status)

    def post(self, path: str, body: dict | None = None, *, status: int = 200, **kwargs) -> dict:
        return self.request("POST", path, body, status=status, **kwargs)

    def patch(self, path: str, body: dict, *, status: int = 200) -> dict:
        return self.request("PATCH", path, body, status=status)

    def badge_class(self, **fields) -> dict:
        """A new badge class: a teal PNG and "Data Literacy" texts, any field overridden by keyword."""
        defaults = {
            "name": "Data Literacy",
            "description": "Reads and questions data.",
            "criteria_narrative": "Pass the data assessment.",
            "image": data_uri(png()),
        }
        return self.post("/badgeclasses", {**defaults, **fields}, status=201)

    def award(self, badge_id: str, email: str, **fields) -> dict:
        """A new assertion of the badge class to email, with any other fields of the award body."""
        body = {"recipient_email": email, **fields}
        return self.post(f"/badgeclasses/{badge_id}/assertions", body, status=201)

    def revoke(self, assertion_id: str, reason: str) -> dict:
        return self.post(f"/assertions/{assertion_id}/revoke", {"reason": reason})
