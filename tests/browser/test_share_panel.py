"""Badge detail → make public → share panel → public page → make private, in Chromium, with screenshots."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from tests.support.issuing import IssuerApi, data_uri, png
from tests.support.pages import check_page, register_and_activate

EARNER = "noor.share@example.org"
CLAIM = re.compile(r"https?://[^/\s]+(/claim/[\w.\-]+)")


def award(live, make_issuer) -> dict:
    issuer = make_issuer(name="Riverside <b>Academy</b>", url="https://riverside.example")
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(
        name="Team Leadership",
        description="Leads a small team through a project.",
        image=data_uri(png("navy")),
        criteria_narrative="Lead a **six-week** project.",
        tags=["leadership", "planning"],
        alignment=[{"targetName": "ESCO: lead a team", "targetUrl": "https://esco.example/lead"}],
    )
    return api.award(
        badge["id"],
        EARNER,
        issued_on="2024-12-05T10:00:00Z",
        expires="2027-01-31T00:00:00Z",
        narrative="Led the *harbour* project.",
        evidence=[{"url": "https://evidence.example/report", "narrative": "Final report"}],
    )


def sign_up(page, live) -> None:
    page.goto(CLAIM.search(live.wait_for_mail(EARNER)["text"]).group(1))
    register_and_activate(page, live, EARNER, "Noor", "<script>alert(1)</script>")


def test_share_a_badge_then_hide_it(page, live, make_issuer):
    awarded = award(live, make_issuer)
    assertion_id = awarded["id"]
    sign_up(page, live)

    page.goto(f"/backpack/{assertion_id}")
    assert page.get_by_role("heading", name="Team Leadership", level=1).is_visible()
    assert page.get_by_text("Make this badge public to share it").is_visible()
    page.get_by_role("button", name="Accept this badge").click()
    page.goto(f"/backpack/{assertion_id}")
    assert page.get_by_text("Riverside <b>Academy</b>").first.is_visible()  # escaped, shown as text
    check_page(page, "1-detail-private")

    page.get_by_role("button", name="Make public").click()
    page.wait_for_url(f"**/backpack/{assertion_id}#privacy")
    panel = page.get_by_role("region", name="Share this badge")
    public_url = f"{live.base_url}/badges/{assertion_id}"
    assert page.get_by_label("Link to this badge").input_value() == public_url
    assert panel.get_by_role("link", name=public_url).is_visible()  # the link is visible as text too

    add = panel.get_by_role("link", name="Add to LinkedIn profile").get_attribute("href")
    parts = urlsplit(add)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.netloc == "www.linkedin.com" and parts.path == "/profile/add"
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Team Leadership",
        "organizationName": "Riverside <b>Academy</b>",
        "issueYear": "2024",
        "issueMonth": "12",
        "expirationYear": "2027",
        "expirationMonth": "1",
        "certUrl": public_url,
        "certId": assertion_id,
    }
    x = urlsplit(panel.get_by_role("link", name="Post on X").get_attribute("href"))
    assert x.netloc == "twitter.com" and parse_qs(x.query)["url"] == [public_url]
    fb = urlsplit(panel.get_by_role("link", name="Share on Facebook").get_attribute("href"))
    assert fb.netloc == "www.facebook.com" and parse_qs(fb.query)["u"] == [public_url]
    li = urlsplit(panel.get_by_role("link", name="Share on LinkedIn").get_attribute("href"))
    assert parse_qs(li.query)["url"] == [public_url]
    mail = panel.get_by_role("link", name="Send by email").get_attribute("href")
    assert mail.startswith("mailto:?subject=")
    embed = page.get_by_label("Embed on a web page").input_value()
    assert embed.startswith(f'<iframe src="{live.base_url}/embed/{assertion_id}" width="360" height="180"')
    assert f'href="{public_url}"' in page.get_by_label("Email signature").input_value()
    # The copy button is shown by /assets/share.js: proof that our script runs under the CSP.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy = panel.get_by_role("button", name="Copy link")
    copy.click()
    panel.get_by_role("button", name="Copied").wait_for()  # the clipboard answers asynchronously
    assert page.evaluate("navigator.clipboard.readText()") == public_url
    qr = panel.get_by_role("img", name="QR code of the link to this badge")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    check_page(page, "2-detail-public-share-panel")

    response = page.goto(f"/badges/{assertion_id}")
    assert response.status == 200
    assert page.locator('meta[property="og:title"]').get_attribute("content").startswith("Team Leadership")
    assert page.get_by_text("Noor <script>alert(1)</script>").is_visible()
    check_page(page, "3-public-badge")

    assert page.goto(f"/embed/{assertion_id}").status == 200
    assert page.get_by_role("link", name="View and verify on Laurel").is_visible()
    check_page(page, "4-embed")

    page.goto("/settings/profile-privacy")
    page.get_by_label("Anyone with the address (public)").check()
    page.get_by_label("Profile address").fill("noor-share")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings/profile-privacy?saved=1")
    check_page(page, "5-profile-settings")
    assert page.goto("/u/noor-share").status == 200
    assert page.get_by_role("link", name="Team Leadership").is_visible()
    check_page(page, "6-public-profile")

    page.goto(f"/backpack/{assertion_id}")
    page.get_by_role("button", name="Make private").click()
    page.wait_for_url(f"**/backpack/{assertion_id}#privacy")
    assert page.get_by_text("Make this badge public to share it").is_visible()

    response = page.goto(f"/badges/{assertion_id}")
    assert response.status == 404
    assert page.get_by_role("heading", name="This badge is private").is_visible()
    assert "Team Leadership" not in page.content() and "Noor" not in page.content()
    check_page(page, "7-public-badge-private")
    assert page.goto("/u/noor-share").status == 200
    assert page.get_by_text("No public badges yet").is_visible()
