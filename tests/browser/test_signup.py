"""Sign-up without a claim link in Chromium, as a person does it: an issuer awarded a badge to the address
first; she starts on the home page, asks for a code, types it from her mail, fills in her details and
finds the badge in her backpack. Every page at 390 and 1280 px (test-artifacts/screenshots/)."""

from __future__ import annotations

from tests.support.earners import PASSWORD, activation_code
from tests.support.issuing import IssuerApi, data_uri, png
from tests.support.pages import check_page, tick_not_a_robot

EMAIL = "hedy.signup@example.org"
CODE_MAIL = "Your Laurel sign-up code"


def award(live, make_issuer, email: str) -> None:
    issuer = make_issuer(name="Lakeside Institute", email="badges@lakeside.example")
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(
        name="Frequency Hopping",
        description="A badge.",
        criteria_narrative="Do it.",
        image=data_uri(png("teal")),
    )
    api.award(badge["id"], email, notify=False, recipient_name="Hedy Lamarr")


def test_sign_up_from_the_home_page_and_find_the_badge(page, live, make_issuer):
    award(live, make_issuer, EMAIL)
    page.goto("/")
    page.get_by_role("link", name="Create an account").click()
    page.wait_for_url("**/signup")
    check_page(page, "signup")
    page.get_by_label("Email address").fill(EMAIL)
    tick_not_a_robot(page)
    page.get_by_role("button", name="Email me a code").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    code = page.get_by_label("6-digit code")
    assert code.get_attribute("inputmode") == "numeric"
    check_page(page, "signup-code")
    mail = live.wait_for_mail(EMAIL)
    assert mail["subject"] == CODE_MAIL
    code.fill(activation_code(mail["html"]))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/signup/details?ceremony=*")
    assert page.get_by_label("Email address").input_value() == EMAIL
    assert not page.get_by_label("Email me news about Laurel").is_checked()  # optional, unchecked
    page.get_by_label("First name").fill("Hedy")
    page.get_by_label("Last name").fill("Lamarr")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    assert page.get_by_text("Accept the terms to create your account.").is_visible()  # required
    check_page(page, "signup-details-terms")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I accept the terms of use").check()
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url("**/signup/welcome")
    assert page.get_by_role("heading", name="Welcome to Laurel, Hedy").is_visible()
    check_page(page, "signup-welcome")
    page.get_by_role("link", name="Open your backpack").click()
    page.wait_for_url("**/backpack")
    assert page.get_by_text("Frequency Hopping").first.is_visible()
    check_page(page, "signup-backpack")
