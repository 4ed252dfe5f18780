"""Issuer markdown with an image: Chromium asks the image's host for nothing; a person sees a link to it."""

from __future__ import annotations

from tests.support.issuing import IssuerApi, data_uri, png
from tests.support.pages import check_page

PIXEL = "https://tracker.example/p.gif"


def test_a_markdown_image_is_a_link_and_never_loaded(page, live, make_issuer):
    issuer = make_issuer(name="Pixel Academy", url="https://pixel.example", email="badges@pixel.example")
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(
        name="Careful Reader",
        image=data_uri(png("teal")),
        criteria_narrative=f"Read the brief. ![the brief's cover]({PIXEL})",
    )
    assertion = api.award(badge["id"], "reader.browser@example.org", notify=False)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path, name in ((f"/public/badges/{badge['id']}", "badge"), (assertion["public_url"], "assertion")):
        assert page.goto(path).status == 200
        check_page(page, f"markdown-image-{name}")
    page.goto(f"/public/badges/{badge['id']}")
    link = page.get_by_role("link", name="the brief's cover")
    assert link.is_visible() and link.get_attribute("href") == PIXEL
    assert [url for url in requested if "tracker.example" in url] == []
