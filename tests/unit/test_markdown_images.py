"""Issuer markdown never makes an earner's or a visitor's browser load a remote image (a tracking pixel)."""

from __future__ import annotations

import re

import pytest

from chalicelib.web.pages import markdown
from tests.support.earners import Browser
from tests.support.inprocess import data_uri, png_bytes
from tests.support.sharing import award, make_earner, make_public

PIXEL = "![x](https://tracker.example/p.gif)"
IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


def remote_images(page: str) -> list[str]:
    return [tag for tag in IMG.findall(page) if "tracker.example" in tag]


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        (PIXEL, '<a href="https://tracker.example/p.gif" rel="nofollow noopener">x</a>'),
        ("![](https://tracker.example/p.gif)", ">https://tracker.example/p.gif</a>"),
        ("[![logo](https://tracker.example/p.gif)](https://site.example)", ">logo</a>"),
        ('<img src="https://tracker.example/p.gif">', "&lt;img"),
    ],
    ids=["image", "no-alt", "image-in-link", "raw-html"],
)
def test_markdown_images_become_links(source, shown):
    html = str(markdown(source))
    assert "<img" not in html and shown in html


def test_no_page_loads_an_image_from_issuer_markdown(client, issuer):
    made = issuer.api.call(
        "POST",
        "/api/v1/badgeclasses",
        {
            "name": "Tracked",
            "description": f"See {PIXEL}",
            "image": data_uri(png_bytes()),
            "criteria_narrative": f"Do it. {PIXEL}",
        },
    )
    assert made.status_code == 201, made.body
    ada = make_earner(client, "ada@example.org")
    assertion_id = award(
        issuer, made.json["id"], "ada@example.org", narrative=PIXEL, evidence=[{"narrative": PIXEL}]
    )
    assert ada.post(f"/backpack/{assertion_id}/accept", {"csrf_token": ada.csrf()}).status_code == 303
    assert make_public(ada, assertion_id).status_code == 303
    anyone = Browser(client)
    html = {"Accept": "text/html"}
    pages = {
        "backpack": ada.get(f"/backpack/{assertion_id}").text,
        "public badge": anyone.get(f"/badges/{assertion_id}").text,
        "embed": anyone.get(f"/embed/{assertion_id}").text,
        "hosted class": issuer.api.call(
            "GET", f"/public/badges/{made.json['id']}", headers=html
        ).body.decode(),
        "hosted award": issuer.api.call(
            "GET", f"/public/assertions/{assertion_id}", headers=html
        ).body.decode(),
    }
    for name, page in pages.items():
        assert "Tracked" in page, name
        assert remote_images(page) == [], name
    for name in ("backpack", "public badge", "hosted class"):  # criteria shown: the image is a link
        assert 'href="https://tracker.example/p.gif"' in pages[name], name
