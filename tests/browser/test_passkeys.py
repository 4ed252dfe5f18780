"""Passkeys in Chromium, with the DevTools virtual authenticator (a platform authenticator that verifies its
user): add one in settings by clicking the buttons, log out, sign in with it and no password typed; the
sign-in's POST captured and replayed is refused (401); the passkey removed in settings no longer signs in.
Screenshots at desktop and phone width.

WebAuthn refuses IP addresses as relying party ids, so this file runs its own stack whose public base URL
is http://localhost:<port> (a secure context, like http://127.0.0.1) instead of the shared one on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator

import pytest

from local import serve
from tests.support import live as stack
from tests.support.earners import PASSWORD, Earner, activation_code
from tests.support.issuing import IssuerApi, data_uri, png
from tests.support.pages import DESKTOP, TIMEOUT_MS, check_page

CLAIM = re.compile(r"https?://[^/\s]+(/claim/[\w.\-]+)")
EMAIL = "pia.passkey@example.org"


@pytest.fixture(scope="module")
def localhost_live(tmp_path_factory) -> Iterator[stack.Live]:
    """The whole stack (moto, pump, chalice local), its public base URL on localhost."""
    log_path = tmp_path_factory.mktemp("passkeys") / "stack.log"
    moto_port, app_port = serve.free_port(), serve.free_port()
    base = {**os.environ, "PUMP_RETRY_SECONDS": "1"}
    with log_path.open("w") as log:
        try:
            running = serve.start_stack(moto_port, app_port, log=log, base=base, host="localhost")
        except (serve.StartupError, subprocess.CalledProcessError) as error:
            log.flush()
            pytest.fail(f"local stack did not start: {error}\n--- log ---\n{log_path.read_text()[-4000:]}")
        try:
            yield stack.Live(running, log_path)
        finally:
            running.stop()


def _activated_earner(live: stack.Live) -> None:
    """Pia: an award, her registration from the claim link and its activation (over HTTP, not the point)."""
    created = stack.run_issuer_cli(
        live, "create", "--name", "Key Academy", "--url", "https://keys.example", "--email", "b@keys.example"
    )
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)["api_key"]
    api = IssuerApi(live.base_url, key)
    badge = api.badge_class(name="Locksmith", description="Opens doors.", image=data_uri(png("navy")))
    api.award(badge["id"], EMAIL)
    pia = Earner(live, EMAIL)
    assert pia.register(CLAIM.search(live.wait_for_mail(EMAIL)["text"]).group(1)).status_code == 200
    assert pia.activate_by_code(activation_code(live.wait_for_mail(EMAIL)["html"])).status_code == 303


def test_register_a_passkey_sign_in_with_it_replay_refused_removed_refused(browser, localhost_live):
    live = localhost_live
    _activated_earner(live)
    origin = live.env["PUBLIC_BASE_URL"]
    context = browser.new_context(viewport=DESKTOP, base_url=origin, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda m: m.type == "error" and "Content Security Policy" in m.text and errors.append(m.text),
    )
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]
    try:
        # Signed in with her password, Pia adds a passkey on the sign-in settings page.
        page.goto("/login")
        page.get_by_label("Email address").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/backpack*")
        page.get_by_role("link", name="Sign-in").click()
        page.wait_for_url("**/settings/sign-in")
        page.get_by_label("Name for the new passkey").fill("Test phone")
        page.get_by_role("button", name="Add a passkey").click()
        page.wait_for_url("**/settings/sign-in?done=added")
        assert page.locator(".passkey-name").all_inner_texts() == ["Test phone"]
        assert "not used yet" in page.locator("#passkey-1").inner_text()
        check_page(page, "1-settings-passkey-added")
        notice = live.wait_for_mail(EMAIL)
        assert (
            notice["subject"] == "A passkey was added to your Laurel account"
            and "Test phone" in notice["html"]
        )
        [held] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
        assert held["isResidentCredential"]

        # Logged out, she signs in with the passkey: no address, no password typed.
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/login")
        check_page(page, "2-login-with-a-passkey")
        captured: list[str] = []

        def capture(route):
            captured.append(route.request.post_data or "")
            route.continue_()

        page.route("**/login/passkey", capture)
        page.get_by_role("button", name="Sign in with a passkey").click()
        page.wait_for_url("**/backpack*")
        page.unroute("**/login/passkey")
        assert len(captured) == 1 and "credential=" in captured[0]
        page.goto("/settings/sign-in")
        assert "last used" in page.locator("#passkey-1").inner_text()

        # The captured sign-in, posted again from the same browser once she has logged out: refused.
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/login")
        replay = context.request.post(
            "/login/passkey",
            data=captured[0],
            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": origin},
            max_redirects=0,
        )
        assert replay.status == 401 and "This sign-in expired" in replay.text(), replay.text()  # spent
        assert not [c for c in context.cookies() if c["name"] == "__Host-laurel_session"]

        # She removes the passkey in settings (her password is still a way in)...
        page.goto("/login")
        page.get_by_role("button", name="Sign in with a passkey").click()
        page.wait_for_url("**/backpack*")
        page.goto("/settings/sign-in")
        page.get_by_role("button", name="Remove the passkey Test phone").click()
        page.wait_for_url("**/settings/sign-in?done=removed")
        assert page.locator("#no-passkeys").is_visible()
        check_page(page, "3-settings-passkey-removed")

        # ...and the device that still holds it can no longer sign in.
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/login")
        page.get_by_role("button", name="Sign in with a passkey").click()
        page.locator("#passkey-error").wait_for()
        assert "not accepted" in page.locator("#passkey-error").inner_text()
        assert not [c for c in context.cookies() if c["name"] == "__Host-laurel_session"]
        check_page(page, "4-removed-passkey-refused")
        assert not errors, errors
    finally:
        context.close()
