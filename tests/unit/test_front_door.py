"""What a new user meets first, in-process: the home page and icon, downloads a browser makes without an
Accept header, "verify this badge" links that run, the code field's number pad, the register form's
name from the award."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from chalicelib.web.pages import environment
from tests.support.inprocess import drain_queue, sent_mail


def test_home_page_says_what_laurel_is_and_where_to_go(client):
    r = client.http.get("/", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    page = r.body.decode()
    wanted = ('href="/login"', 'action="/verify"', 'href="/api/v1/openapi.json"', 'class="brand" href="/"')
    for part in wanted:
        assert part in page, part
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert client.http.get("/api/v1/openapi.json").status_code == 200  # the issuers' link needs no key


def test_favicon_is_an_icon(client):
    r = client.http.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/svg+xml"
    assert r.body.lstrip().startswith(b"<svg")


def test_baked_images_download_without_an_accept_header(issuer, badge_class):
    """Chromium sends no Accept header for an <a download> click: that means any type (RFC 9110)."""
    made = issuer.api.call(
        "POST",
        f"/api/v1/badgeclasses/{badge_class['id']}/assertions",
        {"recipient_email": "ada@example.org", "notify": False},
    ).json
    for path in (f"/public/assertions/{made['id']}/baked.png", f"/public/credentials/{made['id']}/baked.png"):
        r = issuer.api.client.http.get(path)
        assert r.status_code == 200, (path, r.body[:200])
        assert r.body.startswith(b"\x89PNG\r\n\x1a\n")


def test_verify_link_fills_in_the_form_and_runs_the_check(client, monkeypatch):
    from chalicelib.services.shared import ratelimit

    monkeypatch.setattr(ratelimit, "VERIFY_CLIENT", ratelimit.Limit("verify-get-test", 2, 600))
    url = "https://127.0.0.1/not-a-badge"  # refused as input before any fetch: a private address
    first = client.http.get(f"/verify?url={url}", headers={"Accept": "text/html"})
    assert first.status_code == 422
    assert f'value="{url}"' in first.body.decode() and 'role="alert"' in first.body.decode()
    client.http.get(f"/verify?url={url}", headers={"Accept": "text/html"})
    third = client.http.get(f"/verify?url={url}", headers={"Accept": "text/html"})
    assert third.status_code == 429  # counted like the POST: a link cannot be used to fetch without limit
    assert client.http.get("/verify", headers={"Accept": "text/html"}).status_code == 200  # the bare form


@pytest.mark.parametrize("name", ["pages/activate.html", "pages/merge.html"])
def test_code_fields_open_the_number_pad(name):
    html = environment().get_template(name).render(errors={}, email="ada@example.org", csrf_token="t")
    field = re.search(r'<input id="code"[^>]*>', html).group(0)
    assert 'inputmode="numeric"' in field and 'maxlength="7"' in field and 'class="code"' in field
    assert "&#34;" not in field and "&quot;" not in field  # no attribute escaped into a value


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [
        ("Grace Brewster Hopper", "Grace", "Brewster Hopper"),
        ("  Ada   Lovelace ", "Ada", "Lovelace"),
        ("Lovelace, Ada", "Ada", "Lovelace"),
        ("Plato", "Plato", ""),
        (None, "", ""),
    ],
)
def test_issuer_sent_names_split_into_first_and_last(full, first, last):
    from chalicelib.web.pages import split_name

    assert split_name(full) == (first, last)


def test_register_form_starts_with_the_name_from_the_award(client, issuer, badge_class):
    issuer.api.call(
        "POST",
        f"/api/v1/badgeclasses/{badge_class['id']}/assertions",
        {"recipient_email": "grace@example.org", "recipient_name": "Grace <b>Hopper</b>"},
    )
    drain_queue()
    [mail] = sent_mail()
    claim = urlsplit(json.loads(mail.template_data)["claim_url"]).path
    page = client.http.get(claim, headers={"Accept": "text/html"}).body.decode()
    assert 'id="first_name" name="first_name" type="text" value="Grace"' in page
    assert 'id="last_name" name="last_name" type="text" value="&lt;b&gt;Hopper&lt;/b&gt;"' in page
