"""Outgoing mail per target address: every person-facing mail is counted against its address before it
is sent (at most 5 an hour, 20 a day), and mail to an address not yet proven carries no free text that
whoever asked for it chose."""

from __future__ import annotations

import pytest

from chalicelib.store import current
from tests.support.accounts import ADA, add, award, claim_path_for, register
from tests.support.altcha import solved
from tests.support.earners import PASSWORD, Browser, activation_code, csrf_token
from tests.support.inprocess import drain_queue

VICTIM = "victim@example.net"
MALLORY = "mallory@example.org"
PHISH = "Your bank: call +1 555 0100 now"


def to(mails: list[dict], address: str) -> list[dict]:
    return [m for m in mails if m["to"] == address]


def remove(browser: Browser, email: str):
    page = browser.get("/settings/emails")
    return browser.post("/settings/emails/remove", {"csrf_token": csrf_token(page.text), "email": email})


def test_add_and_remove_cycles_cannot_mail_bomb_an_address(ada, mails):
    from chalicelib.services.earners import accounts
    from chalicelib.services.shared import ratelimit

    # Only the cap per target address is tested here: the account's own limits for this address (one a
    # minute, five a day: tests/unit/test_takeover.py) are cleared as if the cycles were spread out.
    mine = f"address:{accounts.owner_of(ADA, store=current()).account_id}:{VICTIM}"
    answers = []
    for _ in range(ratelimit.MAIL_TO_HOUR.limit + 3):
        ratelimit.MAIL_MINUTE.clear(mine, store=current())
        ratelimit.MAIL_DAY.clear(mine, store=current())
        answers.append(add(ada, VICTIM).status_code)
        remove(ada, VICTIM)
    ratelimit.MAIL_MINUTE.clear(mine, store=current())
    ratelimit.MAIL_DAY.clear(mine, store=current())
    assert len(to(mails, VICTIM)) == ratelimit.MAIL_TO_HOUR.limit
    assert answers[: ratelimit.MAIL_TO_HOUR.limit] == [200] * ratelimit.MAIL_TO_HOUR.limit
    assert set(answers[ratelimit.MAIL_TO_HOUR.limit :]) == {429}
    r = add(ada, VICTIM)
    assert r.status_code == 429 and "Too many emails went to this address" in r.text
    assert VICTIM not in ada.get("/settings/emails").text  # refused before anything was written


def test_the_cap_counts_every_kind_of_mail_together(ada, client, mails):
    """Reset links, activation resends and merge codes to one address share one cap."""
    from chalicelib.services.shared import ratelimit

    stranger = Browser(client)
    for n in range(3):  # three forgot-password requests (a minute apart, as the per-kind limit wants)
        ratelimit.MAIL_MINUTE.clear(f"reset:{ADA}", store=current())
        r = stranger.post(
            "/password/forgot",
            {"altcha": solved(), "csrf_token": stranger.csrf("/password/forgot"), "email": ADA},
        )
        assert r.status_code == 200, n
    drain_queue()
    before = len(to(mails, ADA))
    for _ in range(ratelimit.MAIL_TO_HOUR.limit):
        ratelimit.MAIL_MINUTE.clear(f"reset:{ADA}", store=current())
        stranger.post(
            "/password/forgot",
            {"altcha": solved(), "csrf_token": stranger.csrf("/password/forgot"), "email": ADA},
        )
    drain_queue()
    # the activation mail and 3 resets were counted before: only one more reset fits in the hour
    assert len(to(mails, ADA)) == before + 1 == ratelimit.MAIL_TO_HOUR.limit


def test_a_refused_mail_leaves_the_last_code_working(ada, mails):
    from chalicelib.services.shared import ratelimit

    assert add(ada, VICTIM).status_code == 200
    code = activation_code(to(mails, VICTIM)[-1]["html"])
    for _ in range(ratelimit.MAIL_TO_HOUR.limit):
        ratelimit.MAIL_TO_HOUR.hit(VICTIM, store=current())
    ratelimit.MAIL_MINUTE.clear(f"activation:{VICTIM}", store=current())
    page = ada.get("/settings/emails")
    r = ada.post("/settings/emails/resend", {"csrf_token": csrf_token(page.text), "email": VICTIM})
    assert r.status_code == 429 and len(to(mails, VICTIM)) == 1
    form = {"csrf_token": csrf_token(page.text), "email": VICTIM, "code": code}
    r = ada.post("/settings/emails/verify", form)
    assert r.status_code == 303 and r.headers["Location"] == "/settings/emails?done=verified"


@pytest.fixture
def phisher(client, issuer, badge_class, mails):
    """An account whose self-chosen name is a phishing line."""
    award(issuer, badge_class, email=MALLORY)
    browser, r = register(client, claim_path_for(MALLORY), first_name=PHISH, last_name=PHISH)
    assert r.status_code == 200, r.text
    code = activation_code(to(mails, "mallory@example.org")[-1]["html"])
    r = browser.post(
        "/activate",
        {"csrf_token": browser.csrf(), "email": "mallory@example.org", "code": code, "password": PASSWORD},
    )
    assert r.status_code == 303
    return browser


def test_an_address_confirmation_carries_no_text_the_asker_chose(phisher, mails):
    assert add(phisher, VICTIM).status_code == 200
    mail = to(mails, VICTIM)[-1]
    for part in (mail["html"], mail["text"]):
        assert PHISH not in part and "Hello," in part
        assert "mallory@example.org" in part  # the asker's verified address: the recipient knows who


def test_a_merge_code_carries_no_text_the_asker_chose(phisher, ada, mails):
    page = phisher.get(f"/settings/emails/merge?email={ADA}")
    r = phisher.post("/settings/emails/merge/code", {"csrf_token": csrf_token(page.text), "email": ADA})
    assert r.status_code == 200 and "We emailed a 6-digit code" in r.text
    mail = to(mails, ADA)[-1]
    assert mail["subject"] == "Your code to merge Laurel accounts"
    assert PHISH not in mail["html"] + mail["text"] and "mallory@example.org" in mail["text"]


def test_an_activation_mail_carries_no_name_from_the_form(client, issuer, badge_class, mails):
    """Whoever holds a forwarded claim link registers with a name of their choosing: the owner of the
    address must not receive it."""
    award(issuer, badge_class)
    _, r = register(client, claim_path_for(ADA), first_name=PHISH)
    assert r.status_code == 200
    mail = to(mails, ADA)[-1]
    assert PHISH not in mail["html"] + mail["text"] and mail["text"].startswith("Hello,")


def test_fresh_claim_links_asked_by_anyone_count_against_the_address(client, issuer, badge_class):
    """Award notices an issuer sends are not capped (issuers are known and accountable), but a fresh
    link asked from an old claim link is a mail anyone can trigger."""
    from datetime import timedelta

    from chalicelib.services.shared import ids, ratelimit
    from chalicelib.store.dynamo.models import AssertionItem

    a = award(issuer, badge_class)
    path = claim_path_for(ADA)
    item = AssertionItem.get(f"ASSERTION#{a['id']}", "ASSERTION")
    item.update(actions=[AssertionItem.claim_expires.set(ids.now() - timedelta(seconds=1))])
    for _ in range(ratelimit.MAIL_TO_HOUR.limit):
        ratelimit.MAIL_TO_HOUR.hit(ADA, store=current())
    browser = Browser(client)
    page = browser.get(path)
    r = browser.post(path + "/resend", {"altcha": solved(), "csrf_token": csrf_token(page.text)})
    assert r.status_code == 429
    assert AssertionItem.get(f"ASSERTION#{a['id']}", "ASSERTION").notice == "sent"  # nothing queued


def test_a_merge_code_counts_against_the_primary_it_goes_to(phisher, ada, mails):
    """The code goes to the other account's primary address, so that address's cap is the one to hold;
    over it nothing is mailed and the answer is the same as for any address."""
    from chalicelib.services.shared import ratelimit

    work = "ada.work@example.org"
    assert add(ada, work).status_code == 200
    code = activation_code(to(mails, work)[-1]["html"])
    page = ada.get("/settings/emails")
    ada.post("/settings/emails/verify", {"csrf_token": csrf_token(page.text), "email": work, "code": code})
    for _ in range(ratelimit.MAIL_TO_HOUR.limit):
        ratelimit.MAIL_TO_HOUR.hit(ADA, store=current())
    page = phisher.get(f"/settings/emails/merge?email={work}")
    r = phisher.post("/settings/emails/merge/code", {"csrf_token": csrf_token(page.text), "email": work})
    assert r.status_code == 200 and "We emailed a 6-digit code" in r.text
    assert not [m for m in mails if m["subject"] == "Your code to merge Laurel accounts"]
