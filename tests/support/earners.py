"""Helpers for earner tests: read forms' CSRF tokens, codes and links out of pages and mail; an earner's
browser in-process (`Browser`) and over HTTP on the live stack (`Earner`, `activated`)."""

from __future__ import annotations

import html
import re
import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tests.support.altcha import solved

if TYPE_CHECKING:
    import requests

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r'id="code">\s*(\d{6})\s*<')
ACTIVATE_LINK = re.compile(r'href="([^"]*/activate/[A-Za-z0-9_\-]+)"')
RESET_LINK = re.compile(r"(https?://\S+/password/reset/[A-Za-z0-9_\-]+)")
PASSWORD = "correct horse battery staple 42"


def csrf_token(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF field on the page"
    return html.unescape(match.group(1))


def activation_code(mail_html: str) -> str:
    match = CODE.search(mail_html)
    assert match, mail_html
    return match.group(1)


def activation_path(mail_html: str) -> str:
    match = ACTIVATE_LINK.search(mail_html)
    assert match, mail_html
    return urlsplit(html.unescape(match.group(1))).path


def reset_path(mail_text: str) -> str:
    match = RESET_LINK.search(mail_text)
    assert match, mail_text
    return urlsplit(match.group(1)).path


def registration(token: str, csrf: str, **overrides: str) -> dict:
    """A complete, valid registration form for a claim token, its "I'm not a robot" check solved (in-process,
    with the development key every local and test stack shares) unless `altcha` is given."""
    form = {
        "csrf_token": csrf,
        "claim": token,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "password": PASSWORD,
        "password2": PASSWORD,
        "terms": "on",
        "website": "",
    }
    if "altcha" not in overrides:
        form["altcha"] = solved()
    return {**form, **overrides}


class Browser:
    """Chalice's in-process test client with a cookie jar, answering like a browser posting forms."""

    def __init__(self, client):
        self.client, self.cookies = client, {}

    def _headers(self, extra: dict | None) -> dict:
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**headers, **(extra or {})}

    def _keep(self, response):
        raw = response.headers.get("Set-Cookie") or response.headers.get("set-cookie")
        for cookie in [raw] if isinstance(raw, str) else raw or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        response.text = response.body.decode() if isinstance(response.body, bytes) else response.body
        return response

    def get(self, path: str, headers: dict | None = None):
        return self._keep(self.client.http.get(path, headers=self._headers(headers)))

    def post(self, path: str, form: dict, headers: dict | None = None):
        from urllib.parse import urlencode

        extra = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        body = urlencode(form).encode()
        return self._keep(self.client.http.post(path, headers=self._headers(extra), body=body))

    def csrf(self, path: str = "/login") -> str:
        """The CSRF token of a form page (sets the cookie on first visit)."""
        return csrf_token(self.get(path).text)


def loopback_session():
    """A requests.Session that, like Chromium, sends Secure (`__Host-`) cookies to http://127.0.0.1, which
    browsers treat as a secure context; Python's cookie jar would keep them for https only."""
    import requests

    class LoopbackSession(requests.Session):
        def send(self, request, **kwargs):
            response = super().send(request, **kwargs)
            for cookie in self.cookies:  # kept, as Chromium keeps them: now sent over http too
                cookie.secure = False
            return response

    return LoopbackSession()


CLAIM = re.compile(r"https?://[^/\s]+(/claim/[\w.\-]+)")


def address(name: str = "ada") -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.org"


class Earner:
    """One person's browser: a requests.Session on the live stack that never follows redirects itself."""

    def __init__(self, live, email: str):
        self.live, self.email, self.http = live, email, loopback_session()
        self.http.headers["Accept"] = "text/html"

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.live.base_url + path, allow_redirects=False, timeout=30)

    def post(self, path: str, form: dict) -> requests.Response:
        return self.http.post(self.live.base_url + path, data=form, allow_redirects=False, timeout=30)

    def csrf(self, path: str = "/login") -> str:
        return csrf_token(self.get(path).text)

    def claim_path(self) -> str:
        return CLAIM.search(self.live.wait_for_mail(self.email)["text"]).group(1)

    def register(self, claim: str, **overrides: str) -> requests.Response:
        page = self.get(claim)
        assert page.status_code == 200, page.text
        token = claim.rsplit("/", 1)[-1]
        overrides.setdefault(
            "altcha", solved(self.live.base_url)
        )  # the stack's own challenge, as a browser's
        return self.post("/register", registration(token, csrf_token(page.text), **overrides))

    def activation_mail(self) -> dict:
        return self.live.wait_for_mail(self.email)

    def activate_by_code(self, code: str, password: str = PASSWORD) -> requests.Response:
        form = {"csrf_token": self.csrf("/activate"), "email": self.email, "code": code, "password": password}
        return self.post("/activate", form)


def activated(live, badge, name: str = "ada", **overrides: str) -> Earner:
    """An earner who claimed, registered and activated by code; signed in on /backpack."""
    earner = Earner(live, address(name))
    earner.assertion = badge(earner.email)
    r = earner.register(earner.claim_path(), **overrides)
    assert r.status_code == 200, r.text
    code = activation_code(earner.activation_mail()["html"])
    r = earner.activate_by_code(code, overrides.get("password", PASSWORD))
    assert r.status_code == 303 and r.headers["Location"] == "/backpack"
    return earner
