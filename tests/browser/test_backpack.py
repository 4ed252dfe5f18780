"""The dashboard and the tabbed backpack in Chromium at desktop and phone width: accept from the
pending tab moves the badge to accepted; reject then recover brings it back."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.support.issuing import IssuerApi, data_uri, png
from tests.support.pages import check_page, register_and_activate

EARNER = "noor.backpack@example.org"
CLAIM = re.compile(r"https?://[^/\s]+(/claim/[\w.\-]+)")


def setup_awards(live, make_issuer) -> dict:
    issuer = make_issuer(name="Riverside Polytechnic", email="badges@riverside.example")
    api = IssuerApi(live.base_url, issuer.key)
    badges = [
        api.badge_class(
            name=name, description="A badge.", criteria_narrative="Do it.", image=data_uri(png(colour))
        )["id"]
        for name, colour in (
            ("Welding Safety", "orange"),
            ("Team Leadership", "navy"),
            ("Spreadsheets", "green"),
        )
    ]
    first = api.award(badges[0], EARNER)["id"]
    second = api.award(badges[1], EARNER, notify=False)["id"]
    revoked = api.award(badges[2], EARNER, notify=False)["id"]
    api.revoke(revoked, "Assessment not completed")
    past = datetime.now(UTC) - timedelta(days=400)
    expired = api.award(
        badges[2],
        EARNER,
        notify=False,
        issued_on=past.isoformat(),
        expires=(past + timedelta(days=60)).isoformat(),
    )["id"]
    return {"first": first, "second": second, "revoked": revoked, "expired": expired}


def sign_up(page, live) -> None:
    page.goto(CLAIM.search(live.wait_for_mail(EARNER)["text"]).group(1))
    register_and_activate(page, live, EARNER, "Noor", "Haddad")


def tab(page, name: str):
    return page.get_by_role("navigation", name="Badges by status").get_by_role(
        "link", name=re.compile(f"^{name}")
    )


def test_backpack_tabs_accept_reject_recover_and_dashboard(page, live, make_issuer):
    made = setup_awards(live, make_issuer)
    sign_up(page, live)

    assert tab(page, "Pending").get_attribute("aria-current") == "page"
    assert tab(page, "Pending").inner_text() == "Pending (2)"
    assert tab(page, "Revoked").inner_text() == "Revoked (1)"
    check_page(page, "1-pending")

    page.locator(f"#badge-{made['first']}").get_by_role("button", name="Accept").click()
    page.wait_for_url("**/backpack?tab=accepted*")
    assert tab(page, "Accepted").get_attribute("aria-current") == "page"
    assert "Badge accepted" in page.get_by_role("status").inner_text()
    assert "Welding Safety" in page.locator(f"#badge-{made['first']}").inner_text()
    assert tab(page, "Pending").inner_text() == "Pending (1)"
    check_page(page, "2-accepted")

    tab(page, "Pending").click()
    page.locator(f"#badge-{made['second']}").get_by_role("button", name="Reject").click()
    page.wait_for_url("**/backpack?tab=rejected*")
    assert page.locator(f"#badge-{made['second']}").is_visible()
    check_page(page, "3-rejected")
    page.locator(f"#badge-{made['second']}").get_by_role("button", name="Recover").click()
    page.wait_for_url("**/backpack?tab=pending*")
    assert "Team Leadership" in page.locator(f"#badge-{made['second']}").inner_text()
    assert tab(page, "Rejected").inner_text() == "Rejected (0)"

    tab(page, "Rejected").click()
    assert "recover it at any time" in page.locator("p.empty").inner_text()
    tab(page, "Revoked").click()
    revoked = page.locator(f"#badge-{made['revoked']}")
    assert "Assessment not completed" in revoked.inner_text()
    assert (
        revoked.get_by_role("link", name="badges@riverside.example")
        .get_attribute("href")
        .startswith("mailto:badges@riverside.example?subject=")
    )
    check_page(page, "4-revoked")
    tab(page, "Expired").click()
    assert "expired on" in page.locator(f"#badge-{made['expired']}").inner_text()
    check_page(page, "5-expired")

    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/dashboard")
    assert (
        "Welding Safety" in page.locator("#latest-badge").inner_text()
        or "Team Leadership" in page.locator("#latest-badge").inner_text()
    )
    assert page.locator("#count-accepted strong").inner_text() == "1"
    assert page.locator("#count-revoked strong").inner_text() == "1"
    check_page(page, "6-dashboard")
    page.get_by_label("Your career goals").fill("Run a workshop <b>by June</b>.")
    page.get_by_role("button", name="Save career goals").click()
    page.wait_for_url("**/dashboard?saved=1*")
    assert page.locator("#goals-text").inner_text() == "Run a workshop <b>by June</b>."
    check_page(page, "7-dashboard-goals")
