"""Sign in with "Keep me signed in", then, on a session signed in a while ago, the password is asked again
before downloading everything. The session cookie is `__Host-` and Secure even on http://127.0.0.1.
Screenshots at desktop and phone width."""

from __future__ import annotations

import hashlib
import re
import time

from tests.support.earners import PASSWORD, Earner, activation_code
from tests.support.issuing import IssuerApi, data_uri, png
from tests.support.pages import check_page

CLAIM = re.compile(r"https?://[^/\s]+(/claim/[\w.\-]+)")
EMAIL = "kai.keep@example.org"
DAY = 86400


def _age_sign_in(live, token: str, seconds: int) -> None:
    """Move the session's last password entry into the past (the server's clock cannot be moved)."""
    dynamodb = live.aws("dynamodb")
    dynamodb.update_item(
        TableName=live.env.get("ACCOUNTS_TABLE", "laurel-accounts"),
        Key={"pk": {"S": f"SESSION#{hashlib.sha256(token.encode()).hexdigest()}"}, "sk": {"S": "SESSION"}},
        UpdateExpression="SET signed_in_at = :then",
        ExpressionAttributeValues={":then": {"N": str(int(time.time()) - seconds)}},
    )


def test_keep_me_signed_in_and_confirm_the_password_before_export(page, live, make_issuer):
    issuer = make_issuer(name="Harbour College", url="https://harbour.example")
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(
        name="Seamanship",
        description="Knows the ropes.",
        image=data_uri(png("teal")),
        criteria_narrative="Sail.",
    )
    api.award(badge["id"], EMAIL)
    earner = Earner(live, EMAIL)  # registered and activated elsewhere
    assert earner.register(CLAIM.search(live.wait_for_mail(EMAIL)["text"]).group(1)).status_code == 200
    assert earner.activate_by_code(activation_code(live.wait_for_mail(EMAIL)["html"])).status_code == 303

    page.goto("/login")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label(re.compile("Keep me signed in")).check()
    check_page(page, "1-login-keep-me-signed-in")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/backpack*")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "__Host-laurel_session"]
    assert cookie["secure"] and cookie["httpOnly"] and cookie["path"] == "/" and cookie["sameSite"] == "Lax"
    assert 29 * DAY < cookie["expires"] - time.time() <= 30 * DAY

    _age_sign_in(live, cookie["value"], 2 * DAY)  # two days later, the browser still signed in
    page.goto("/backpack/import")
    page.get_by_role("link", name="Download all my badges (zip)").click()
    page.wait_for_url("**/reauth?next=/backpack/export")
    assert page.get_by_role("heading", name="Confirm your password").is_visible()
    check_page(page, "2-confirm-password")
    page.get_by_label("Password").fill("not my password at all")
    page.get_by_role("button", name="Confirm").click()
    assert page.locator("#password-error").is_visible()
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_download() as download:
        page.get_by_role("button", name="Confirm").click()
    assert download.value.suggested_filename.endswith(".zip")
