"""The second browser scenario: activate by link, add and verify a second address, see its badge,
merge a second account, reject and recover a badge. Screenshots at desktop and phone width."""

from __future__ import annotations

import re

from tests.support.earners import PASSWORD, Earner, activation_code, activation_path
from tests.support.issuing import IssuerApi, data_uri, png
from tests.support.pages import check_page, tick_not_a_robot

CLAIM = re.compile(r"https?://[^/\s]+(/claim/[\w.\-]+)")
MAIN, WORK, OLD = "sam.browser@example.org", "sam.work@example.org", "sam.old@example.org"


def awarder(live, make_issuer):
    issuer = make_issuer(name="Riverside Institute", url="https://riverside.example")
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(
        name="Team Leadership",
        description="Leads a team.",
        image=data_uri(png("navy")),
        criteria_narrative="Lead a team project.",
    )
    return lambda email: api.award(badge["id"], email)


def test_second_address_merge_reject_and_recover(page, live, make_issuer):
    award = awarder(live, make_issuer)
    first = award(MAIN)
    claim = CLAIM.search(live.wait_for_mail(MAIN)["text"]).group(1)
    page.goto(claim)
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Rivera")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I accept the terms of use").check()
    tick_not_a_robot(page)
    page.get_by_role("button", name="Create account").click()
    page.goto(activation_path(live.wait_for_mail(MAIN)["html"]))  # activate by link
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Activate my account").click()
    page.wait_for_url("**/backpack*")
    assert page.locator(f"#badge-{first['id']}").is_visible()

    second = award(WORK)  # awarded to an address that is on no account yet
    live.wait_for_mail(WORK)
    page.goto("/settings/emails")
    assert page.locator("#suggest-personal").is_visible()
    check_page(page, "1-settings-one-address")
    page.get_by_label("Email address to add").fill(WORK)
    page.get_by_role("button", name="Add address").click()
    assert page.get_by_text("We emailed a 6-digit code").is_visible()
    check_page(page, "2-address-added")
    page.get_by_label(f"6-digit code for {WORK}").fill(activation_code(live.wait_for_mail(WORK)["html"]))
    page.get_by_role("button", name="Confirm", exact=True).click()
    page.wait_for_url("**/settings/emails?done=verified")
    check_page(page, "3-address-confirmed")
    page.goto("/backpack")
    assert page.locator(f"#badge-{second['id']}").is_visible()

    old = Earner(live, OLD)  # a second account, made and activated elsewhere
    third = award(OLD)
    assert old.register(CLAIM.search(live.wait_for_mail(OLD)["text"]).group(1)).status_code == 200
    assert old.activate_by_code(activation_code(live.wait_for_mail(OLD)["html"])).status_code == 303

    page.goto("/settings/emails")
    page.get_by_label("Email address to add").fill(OLD)
    page.get_by_role("button", name="Add address").click()
    page.wait_for_url("**/settings/emails/merge*")
    check_page(page, "4-merge")
    page.get_by_label("Password of the other account").fill("not the password at all")
    page.get_by_role("button", name="Merge with password").click()
    assert page.locator("#password-error").is_visible()
    page.get_by_label("Password of the other account").fill(PASSWORD)
    page.get_by_role("button", name="Merge with password").click()
    page.wait_for_url("**/settings/emails?done=merged")
    assert page.get_by_text("Accounts merged").is_visible()
    check_page(page, "5-merged")

    page.goto("/backpack")
    item = page.locator(f"#badge-{third['id']}")
    item.get_by_role("button", name="Reject").click()
    page.wait_for_url("**/backpack*")
    page.goto("/backpack?tab=rejected")
    item = page.locator(f"#badge-{third['id']}")
    check_page(page, "6-rejected")
    item.get_by_role("button", name="Recover").click()
    page.wait_for_url("**/backpack*")
    page.goto("/backpack")
    assert page.locator(f"#badge-{third['id']}").is_visible()
    check_page(page, "7-recovered")
