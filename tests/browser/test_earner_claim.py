"""The earner's first visit in Chromium: claim → register → activate by code → accept, with screenshots."""

from __future__ import annotations

import re

from tests.support.earners import PASSWORD, Earner, activation_code, activation_path
from tests.support.issuing import IssuerApi, data_uri, png
from tests.support.pages import check_page, tick_not_a_robot

EARNER = "lin.browser@example.org"
FRED = "fred's own long passphrase 5"
CLAIM = re.compile(r"https?://[^/\s]+(/claim/[\w.\-]+)")


def award(live, make_issuer) -> dict:
    issuer = make_issuer(name="Harbour College", url="https://harbour.example")
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(
        name="First Aid at Work",
        description="Can give first aid in the workplace.",
        image=data_uri(png("crimson")),
        criteria_narrative="Pass the practical assessment.",
    )
    return api.award(badge["id"], EARNER, recipient_name="Lin")


def test_claim_register_activate_by_code_and_accept(page, live, make_issuer):
    awarded = award(live, make_issuer)
    claim = CLAIM.search(live.wait_for_mail(EARNER)["text"]).group(1)

    assert page.goto(claim).status == 200
    assert page.get_by_role("img", name="First Aid at Work badge image").is_visible()
    email = page.get_by_label("Email address")
    assert email.input_value() == EARNER and email.get_attribute("readonly") is not None
    check_page(page, "1-claim-register")

    page.get_by_label("First name").fill("Lin")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password again").fill("short")
    tick_not_a_robot(page)  # spent by each post: a form shown again asks again
    page.get_by_role("button", name="Create account").click()
    assert "at least 12 characters" in page.locator("#password-error").inner_text()
    check_page(page, "2-register-error")

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I accept the terms of use").check()
    tick_not_a_robot(page)  # spent by each post: a form shown again asks again
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("heading", name="Activate your account").is_visible()
    check_page(page, "3-activate")

    code = activation_code(live.wait_for_mail(EARNER)["html"])
    page.get_by_label("6-digit code").fill(code)
    page.get_by_label("Your password").fill(PASSWORD)  # the mail alone does not finish an account
    page.get_by_role("button", name="Activate", exact=True).click()
    page.wait_for_url("**/backpack")
    item = page.locator(f"#badge-{awarded['id']}")
    assert "First Aid at Work" in item.inner_text() and "Pending" in item.inner_text()
    check_page(page, "4-backpack")

    item.get_by_role("button", name="Accept").click()
    page.wait_for_url("**/backpack*")
    assert "Accepted" in page.locator(f"#badge-{awarded['id']}").inner_text()
    check_page(page, "5-accepted")


def test_forwarded_claim_the_recipient_takes_her_address_back_with_a_new_password(page, live, make_issuer):
    """Fred registered from Lin's forwarded claim link; Lin opens the activation mail, one click is
    not enough, and she chooses a new password instead: the account is hers, Fred's password is gone."""
    issuer = make_issuer(name="Harbour College", url="https://harbour.example")
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(name="Knots", description="Ties knots.", image=data_uri(png("navy")))
    lin = "lin.forwarded@example.org"
    awarded = api.award(badge["id"], lin)
    claim = CLAIM.search(live.wait_for_mail(lin)["text"]).group(1)
    fred = Earner(live, lin)
    assert fred.register(claim, first_name="Fred", password=FRED, password2=FRED).status_code == 200

    page.goto(activation_path(live.wait_for_mail(lin)["html"]))
    page.get_by_role("button", name="Activate my account").click()
    assert "not the password chosen at registration" in page.locator("#password-error").inner_text()
    page.get_by_text("Choose a new one").click()
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password again").fill(PASSWORD)
    check_page(page, "forwarded-1-new-password")
    page.get_by_role("button", name="Activate my account").click()
    page.wait_for_url("**/backpack")
    assert page.locator(f"#badge-{awarded['id']}").is_visible()
    form = {"csrf_token": fred.csrf(), "email": lin, "password": FRED}
    assert fred.post("/login", form).status_code == 401
