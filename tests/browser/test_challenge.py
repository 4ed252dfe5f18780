"""The "I'm not a robot" check in Chromium, as people meet it: a form sent without it is refused with a
sentence and leaves nothing behind; a keyboard alone ticks it (Tab, Space) and sends the form; a screen
reader hears a labelled checkbox; without JavaScript a sentence says why the form cannot be sent; and no
request ever leaves the stack's origin (the widget, its worker and its challenge are ours). Screenshots
at 390 and 1280 px; the page fixture fails on any CSP violation or script error."""

from __future__ import annotations

import re

from tests.support.earners import PASSWORD
from tests.support.issuing import IssuerApi, data_uri, png
from tests.support.pages import check_page, shoot, tick_not_a_robot

CLAIM = re.compile(r"https?://[^/\s]+(/claim/[\w.\-]+)")
UNSOLVED = "Tick “I'm not a robot” and wait until it says verified, then send the form again."


def claim_page(page, live, make_issuer, email: str) -> str:
    """An award to `email`, its claim page open: the registration form."""
    issuer = make_issuer(name="Harbour College", url="https://harbour.example")
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(
        name="Sea Survival",
        description="Can stay afloat.",
        image=data_uri(png("navy")),
        criteria_narrative="Pass the pool test.",
    )
    api.award(badge["id"], email, recipient_name="Noor Haddad")
    path = CLAIM.search(live.wait_for_mail(email)["text"]).group(1)
    assert page.goto(path).status == 200
    return path


def accounts_items(live) -> int:
    """Items in the accounts table: accounts, addresses, codes and every rate-limit counter."""
    table = live.env.get("ACCOUNTS_TABLE", "laurel-accounts")
    return live.aws("dynamodb").scan(TableName=table, Select="COUNT")["Count"]


def fill_registration(page) -> None:
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I accept the terms of use").check()


def test_a_registration_sent_without_the_check_is_refused_and_writes_nothing(page, live, make_issuer):
    email = "noor.robot@example.org"
    claim_page(page, live, make_issuer, email)
    box = page.get_by_role("checkbox", name="I'm not a robot")
    assert box.is_visible() and not box.is_checked()
    check_page(page, "1-register-with-check")
    fill_registration(page)
    before = accounts_items(live)
    page.get_by_role("button", name="Create account").click()  # the form is novalidate: it goes
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text() == UNSOLVED
    assert accounts_items(live) == before  # no account, no address, no code, not even a counter
    assert page.get_by_role("checkbox", name="I'm not a robot").is_visible()  # a fresh one to tick
    check_page(page, "2-refused")

    fill_registration(page)  # the passwords are never sent back: typed again, as a person would
    tick_not_a_robot(page)
    assert not page.get_by_role("alert").is_visible()  # the sentence went with the check done
    shoot(page, "3-verified")
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("heading", name="Activate your account").is_visible()
    assert accounts_items(live) > before
    assert live.wait_for_mail(email)["subject"] == "Activate your Laurel account"


def test_a_keyboard_alone_solves_the_check_and_sends_the_form(page, live):
    page.goto("/password/forgot")
    widget = page.locator("altcha-widget")
    widget.get_by_role("checkbox").wait_for()
    # What a screen reader is told: a checkbox named by its label, not checked yet.
    assert '- checkbox "I\'m not a robot"' in widget.aria_snapshot()
    # No collector of mouse and key movements ("human interaction signature"), no third-party footer link.
    settings = widget.evaluate("w => w.getConfiguration()")
    assert settings["humanInteractionSignature"] is False and settings["hideFooter"] is True
    email = page.get_by_label("Email address")
    email.focus()
    page.keyboard.type("keyboard.only@example.org")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.labels?.[0]?.textContent.trim()")
    assert focused == "I'm not a robot"
    page.keyboard.press("Space")
    page.get_by_role("checkbox", name="Verified", checked=True).wait_for()
    assert '- checkbox "Verified" [checked]' in widget.aria_snapshot()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Email me a link"
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "If an account uses that address" in page.get_by_role("status").inner_text()
    check_page(page, "forgot-sent")


def test_no_request_leaves_the_stack_and_the_worker_is_ours(context, page, live):
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page.goto("/password/forgot")
    page.get_by_label("Email address").fill("origin.check@example.org")
    tick_not_a_robot(page)
    page.get_by_role("button", name="Email me a link").click()
    page.get_by_role("status").wait_for()
    outside = [url for url in requested if not url.startswith(live.base_url + "/")]
    assert outside == [], outside
    paths = {url.removeprefix(live.base_url) for url in requested}
    assert {"/assets/altcha.js", "/assets/altcha-pbkdf2.js", "/altcha/challenge"} <= paths, paths


def test_without_javascript_a_sentence_explains_and_the_server_refuses(browser, live):
    context = browser.new_context(base_url=live.base_url, java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        page.goto("/password/forgot")
        assert "turn on JavaScript" in page.locator("main").inner_text()
        shoot(page, "no-javascript")
        page.get_by_label("Email address").fill("no.script@example.org")
        page.get_by_role("button", name="Email me a link").click()
        page.wait_for_load_state()
        assert UNSOLVED in page.locator("#altcha-error").inner_text()
    finally:
        context.close()
