"""What a new user trips on, tried as one would in Chromium: the home page and icon, the register form
filled from the award, the code field's number pad, one account navigation and layout at 390 and 1280 px,
the dashboard's award date, snippet previews with copy buttons, and "verify this badge" that runs."""

from __future__ import annotations

import re

from tests.support.earners import PASSWORD, activation_code
from tests.support.issuing import IssuerApi, data_uri, png
from tests.support.pages import DESKTOP, PHONE, check_page, register_and_activate, shoot, tick_not_a_robot

EARNER = "grace.newuser@example.org"
CLAIM = re.compile(r"https?://[^/\s]+(/claim/[\w.\-]+)")
ACCOUNT_PAGES = (
    "/dashboard",
    "/backpack",
    "/backpack/import",
    "/settings/emails",
    "/settings/profile-privacy",
    "/password/change",
)


def award_two(live, make_issuer, email: str) -> list[str]:
    """Two badges issued on 4 December 2024 to the same person; only the first one is mailed."""
    issuer = make_issuer(name="Lakeside Institute", email="badges@lakeside.example")
    api = IssuerApi(live.base_url, issuer.key)
    made = []
    for name, colour in (("Public Speaking", "purple"), ("Cyber Hygiene", "teal")):
        badge = api.badge_class(
            name=name, description="A badge.", criteria_narrative="Do it.", image=data_uri(png(colour))
        )
        fields = {"recipient_name": "Grace Brewster Hopper", "issued_on": "2024-12-04T10:00:00Z"}
        made.append(api.award(badge["id"], email, notify=not made, **fields)["id"])
    return made


def open_claim(page, live, email: str) -> None:
    page.goto(CLAIM.search(live.wait_for_mail(email)["text"]).group(1))


def signed_up(page, live, make_issuer, email: str) -> list[str]:
    made = award_two(live, make_issuer, email)
    open_claim(page, live, email)
    register_and_activate(page, live, email, "Grace", "Hopper")
    return made


def nav_links(page) -> list[str]:
    nav = page.get_by_role("banner").get_by_role("navigation")
    assert nav.count() == 1, page.url
    return [text.strip() for text in nav.locator("a, button").all_inner_texts()]


def one_row(page, selector: str) -> bool:
    """Every item of `selector` sits on one line: each starts above the point where every other one ends."""
    boxes = page.eval_on_selector_all(
        selector, "els => els.map(e => { const b = e.getBoundingClientRect(); return [b.top, b.bottom]; })"
    )
    return len(boxes) > 1 and max(top for top, _ in boxes) < min(bottom for _, bottom in boxes)


def columns(page, selector: str) -> int:
    return page.eval_on_selector(selector, "el => getComputedStyle(el).gridTemplateColumns.split(' ').length")


def test_home_page_icon_and_logo(page, live):
    response = page.goto("/")
    assert response.status == 200 and "text/html" in response.headers["content-type"]
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_role("link", name="Log in").first.is_visible()
    api_docs = page.get_by_role("link", name="API reference (OpenAPI)")
    assert api_docs.get_attribute("href") == "/api/v1/openapi.json"
    icon = page.request.get("/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"] == "image/svg+xml" and b"<svg" in icon.body()
    check_page(page, "home")

    page.get_by_role("link", name="Log in").first.click()
    page.wait_for_url("**/login")
    page.get_by_role("link", name="Laurel", exact=True).click()
    page.wait_for_url(f"{live.base_url}/")


def test_register_form_is_filled_from_the_award_and_the_code_opens_the_number_pad(page, live, make_issuer):
    email = "grace.register@example.org"
    award_two(live, make_issuer, email)
    open_claim(page, live, email)
    assert page.get_by_label("First name").input_value() == "Grace"
    assert page.get_by_label("Last name").input_value() == "Brewster Hopper"
    check_page(page, "register")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I accept the terms of use").check()
    tick_not_a_robot(page)
    page.get_by_role("button", name="Create account").click()
    code = page.get_by_label("6-digit code")
    assert code.get_attribute("inputmode") == "numeric"
    assert code.get_attribute("maxlength") == "7" and code.get_attribute("class") == "code"
    check_page(page, "activate")
    code.fill(activation_code(live.wait_for_mail(email)["html"]))
    page.get_by_label("Your password").fill(PASSWORD)  # the one chosen at registration
    page.get_by_role("button", name="Activate", exact=True).click()
    page.wait_for_url("**/backpack")


def test_one_account_navigation_and_a_desktop_layout(page, live, make_issuer):
    signed_up(page, live, make_issuer, "grace.nav@example.org")
    expected = nav_links(page)
    assert expected[:3] == ["Dashboard", "Backpack", "Import"] and "Log out" in expected
    for path in ACCOUNT_PAGES:
        page.goto(path)
        assert nav_links(page) == expected, path
        assert one_row(page, "header nav li"), f"the menu wraps at 1280 px on {path}"
        shoot(page, "account-page-" + path.strip("/").replace("/", "-"))
    page.get_by_role("banner").get_by_role("link", name="Backpack").click()
    page.wait_for_url("**/backpack")
    assert one_row(page, "nav.tabs li"), "the tabs wrap at 1280 px"
    assert columns(page, "ul.badges") >= 2, "backpack items use the phone layout at 1280 px"
    page.set_viewport_size(PHONE)
    assert columns(page, "ul.badges") == 1
    page.set_viewport_size(DESKTOP)
    check_page(page, "backpack")


def test_dashboard_dates_an_award_by_the_day_it_was_issued(page, live, make_issuer):
    signed_up(page, live, make_issuer, "grace.dashboard@example.org")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    awarded = page.locator("#events li.awarded").first
    assert "4 December 2024" in awarded.inner_text()
    assert awarded.locator("time").get_attribute("datetime").startswith("2024-12-04")
    check_page(page, "dashboard")


def test_snippets_are_previewed_and_copied_and_verify_links_run(page, live, make_issuer):
    first, _ = signed_up(page, live, make_issuer, "grace.share@example.org")
    page.get_by_role("link", name="Public Speaking").click()
    page.get_by_role("button", name="Accept this badge").click()
    page.goto(f"/backpack/{first}")
    page.get_by_role("button", name="Make public").click()
    page.wait_for_url(f"**/backpack/{first}#privacy")
    frame = page.locator("#snippet-embed-preview iframe").content_frame
    assert frame.get_by_text("Public Speaking").first.is_visible()
    signature = page.locator("#snippet-signature-preview img")
    assert signature.evaluate("img => img.complete && img.naturalWidth > 0")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    for key in ("embed", "signature"):
        field = page.locator(f"#snippet-{key}-field")
        field.get_by_role("button", name="Copy HTML").click()
        field.get_by_role("button", name="Copied").wait_for()
        snippet = page.locator(f"#snippet-{key}").input_value()
        assert page.evaluate("navigator.clipboard.readText()") == snippet
    check_page(page, "share-previews")

    # Anyone on the public page clicks "verify this badge" and sees the result at once.
    page.goto(f"/badges/{first}")
    page.get_by_role("link", name="verify this badge").click()
    page.wait_for_url(re.compile(r"/verify\?url=http"))
    assert page.locator("#verdict").get_attribute("data-verdict") == "valid"
    assert page.get_by_role("heading", name="Public Speaking").is_visible()
    check_page(page, "verify-from-link")
