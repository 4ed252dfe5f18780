"""The pages that exist today, in Chromium: hosted assertion, badge class, issuer, outbox, claim.

Each page: the right title and heading, images loaded, accessible basics, no sideways scroll at phone
width, and screenshots at desktop and phone width under test-artifacts/screenshots/."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.support.issuing import IssuerApi, data_uri, png
from tests.support.pages import assert_accessible, assert_images_loaded, assert_no_overflow, check_page

EARNER = "ada.browser@example.org"


@dataclass(frozen=True)
class Awarded:
    issuer: object
    badge: dict
    assertion: dict


@pytest.fixture(scope="module")
def awarded(live, make_issuer) -> Awarded:
    """An issuer with a logo, a badge class with an image, and one award mailed to EARNER."""
    issuer = make_issuer(
        name="Northwind Institute of Technology",
        url="https://northwind.example",
        email="badges@northwind.example",
    )
    api = IssuerApi(live.base_url, issuer.key)
    api.patch(
        "/issuer", {"image": data_uri(png("navy")), "description": "Short courses in applied computing."}
    )
    badge = api.badge_class(
        name="Applied Data Visualisation",
        description="Designs honest, readable charts for real audiences.",
        image=data_uri(png("teal")),
        criteria_narrative="Build **three** dashboards and present one to a panel.",
        tags=["visualisation", "data storytelling"],
        alignment=[{"targetName": "ESCO: present data", "targetUrl": "https://esco.example/s/42"}],
    )
    assertion = api.award(badge["id"], EARNER, recipient_name="Ada Lovelace")
    live.wait_for_mail(EARNER)  # the notice has gone through the queue and SES
    return Awarded(issuer, badge, assertion)


def test_hosted_assertion_page(page, awarded):
    response = page.goto(awarded.assertion["public_url"])
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    assert page.title() == "Applied Data Visualisation — issued by Northwind Institute of Technology"
    assert page.locator("h1").inner_text() == "Applied Data Visualisation"
    assert page.get_by_role("link", name="Northwind Institute of Technology").is_visible()
    assert "Ada Lovelace" not in page.content()  # private until the earner makes it public
    check_page(page, "assertion")


def test_revoked_assertion_page_says_so(page, awarded, live):
    api = IssuerApi(live.base_url, awarded.issuer.key)
    made = api.award(awarded.badge["id"], "revoked.browser@example.org", notify=False)
    api.revoke(made["id"], "Awarded in error")
    response = page.goto(made["public_url"])
    assert response.status == 410
    assert page.locator(".status").inner_text() == "Revoked"
    assert "Awarded in error" in page.locator("main").inner_text()
    check_page(page, "assertion-revoked")


def test_badge_class_page(page, awarded):
    response = page.goto(f"/public/badges/{awarded.badge['id']}")
    assert response.status == 200
    assert page.title() == "Applied Data Visualisation — Northwind Institute of Technology"
    assert page.locator("h1").inner_text() == "Applied Data Visualisation"
    assert page.get_by_role("heading", name="Criteria").is_visible()
    assert page.locator("strong", has_text="three").is_visible()  # the criteria's markdown, rendered
    check_page(page, "badge")
    page.get_by_role("link", name="Northwind Institute of Technology").click()
    assert page.url.endswith(f"/public/issuers/{awarded.issuer.id}")


def test_issuer_page(page, awarded):
    response = page.goto(f"/public/issuers/{awarded.issuer.id}")
    assert response.status == 200
    assert page.title() == "Northwind Institute of Technology"
    assert page.locator("h1").inner_text() == "Northwind Institute of Technology"
    assert page.get_by_role("img", name="Northwind Institute of Technology logo").is_visible()
    assert page.get_by_role("link", name="badges@northwind.example").get_attribute("href") == (
        "mailto:badges@northwind.example"
    )
    check_page(page, "issuer")


def _open_mail(page, to: str) -> None:
    """From /outbox, open the newest message to `to` on its own page."""
    page.goto("/outbox")
    message = page.locator("article", has_text=to).first
    message.get_by_role("link", name="#").click()
    page.wait_for_url("**/outbox/*")


def test_outbox_page(page, awarded):
    response = page.goto("/outbox")
    assert response.status == 200
    assert page.title() == "Outbox · Laurel (local)"
    assert page.locator("h1").inner_text() == "Outbox"
    message = page.locator("article", has_text=EARNER).first
    assert message.locator(".subject").inner_text() == (
        "Northwind Institute of Technology has issued you a badge: Applied Data Visualisation"
    )
    check_page(page, "outbox")
    _open_mail(page, EARNER)
    assert page.locator("article").count() == 1
    assert page.get_by_role("link", name="all mail").is_visible()
    check_page(page, "outbox-message")


def test_claim_page_from_the_outbox_mail(page, awarded):
    _open_mail(page, EARNER)
    link = page.locator("pre a[href*='/claim/']").first.get_attribute("href")
    response = page.goto(link)
    assert response.status == 200
    assert "Applied Data Visualisation" in page.title()
    main = page.locator("main").inner_text()
    assert "Applied Data Visualisation" in main and "Northwind Institute of Technology" in main
    assert page.get_by_role("img", name="Applied Data Visualisation badge image").is_visible()
    check_page(page, "claim")


def test_claim_page_with_a_bad_token_explains(page, live):
    response = page.goto("/claim/not-a-real-token")
    assert 400 <= response.status < 500  # a page that explains, never a 500
    assert "claim link" in page.locator("main").inner_text().lower()
    check_page(page, "claim-problem")


def test_the_page_checks_catch_what_they_claim_to(page):
    page.set_content(
        '<html><body><h1>One</h1><h1>Two</h1><img src="data:," alt="">'
        '<input name="q"><label>Wrapped <select></select></label>'
        '<label for="t">T</label><textarea id="t"></textarea>'
        '<a href="#" tabindex="2">x</a><div style="width: 900px">wide</div></body></html>'
    )
    with pytest.raises(AssertionError) as caught:
        assert_accessible(page)
    problems = caught.value.args[0]
    assert "no lang" in problems and "2 <h1>" in problems and "without alt" in problems
    assert problems.count("without a label") == 1 and "positive tabindex" in problems
    with pytest.raises(AssertionError, match="scrolls sideways"):
        assert_no_overflow(page)
    with pytest.raises(AssertionError, match="did not load"):
        assert_images_loaded(page)
