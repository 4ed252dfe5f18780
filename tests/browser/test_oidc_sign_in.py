"""Social sign-in in Chromium against a real OpenID provider (tests/oidc) beside the stack: a person clicks
"Continue with Google", signs in at the provider and comes back. A new address gets the terms page and an
account; an address that has an account asks for that account's password first, then links, and the next
sign-in goes straight in. Screenshots at desktop and phone width."""

from __future__ import annotations

import re
import uuid

from tests.support import oidc
from tests.support.earners import PASSWORD, activated
from tests.support.pages import check_page

live = oidc.oidc_live  # this file's own stack, beside the test provider


def continue_with_google(page, login: str) -> None:
    """From the login page: the provider's link, then its sign-in form (any password)."""
    page.goto("/login")
    page.get_by_role("link", name="Continue with Google").click()
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("anything")
    page.get_by_role("button", name="Sign-in").click()


def test_google_like_sign_in_creates_an_account_after_the_terms(page, live):
    login = f"grace-{uuid.uuid4().hex[:8]}"
    page.goto("/login")
    check_page(page, "login")  # one "Continue with …" link per configured provider
    continue_with_google(page, login)
    page.wait_for_url(re.compile(r"/login/oidc/google/callback"))
    page.get_by_role("heading", name="Create your Laurel account").wait_for()
    assert page.locator("#first_name").input_value() == "Grace"  # names from the provider's claims
    check_page(page, "terms")
    page.get_by_role("button", name="Create my account").click()
    page.get_by_text("Accept the terms to create your account.").wait_for()  # the terms are asked
    page.get_by_label("I accept the terms of use").check()
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(re.compile(r"/backpack$"))
    mail = live.wait_for_mail(f"{login}@example.org")
    assert "Google can now sign in" in mail["subject"]


def test_an_address_with_an_account_asks_for_proof_then_links_then_goes_straight_in(page, live):
    owner = activated(live, oidc.award_badge(live), "owner")  # an account with a badge, by password
    continue_with_google(page, owner.email)  # the provider gives the same address
    page.get_by_role("heading", name="Is this your Laurel account?").wait_for()
    check_page(page, "proof")
    page.get_by_label("Password").fill("not the password, no")
    page.get_by_role("button", name="Link Google and sign in").click()
    page.get_by_text("This is not the password").wait_for()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Link Google and sign in").click()
    page.wait_for_url(re.compile(r"/backpack$"))
    assert page.locator(f"#badge-{owner.assertion['id']}").count() == 1
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login$"))
    page.get_by_role("link", name="Continue with Google").click()  # the provider remembers the person
    page.wait_for_url(re.compile(r"/backpack$"))
    check_page(page, "linked-sign-in")
