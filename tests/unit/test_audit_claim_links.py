"""Issue 9, pattern 1 elsewhere: an old claim link (forwarded, or seen over a shoulder) asks for a fresh
one to be mailed to the earner. Whoever holds it must not undo what the earner decided in her backpack."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.store import current
from tests.support.accounts import ADA, award, claim_path_for
from tests.support.altcha import solved
from tests.support.earners import Browser, csrf_token
from tests.support.imports import make_account, signed_in


def _expire_claim(assertion_id: str) -> None:
    from chalicelib.services.shared import ids
    from chalicelib.store.dynamo.models import AssertionItem

    item = AssertionItem.get(f"ASSERTION#{assertion_id}", "ASSERTION")
    item.update(actions=[AssertionItem.claim_expires.set(ids.now() - timedelta(seconds=1))])


def _stored(assertion_id: str):
    from chalicelib.store.dynamo.models import AssertionItem

    return AssertionItem.get(f"ASSERTION#{assertion_id}", "ASSERTION")


def test_an_old_claim_link_cannot_undo_the_earners_rejection(client, issuer, badge_class):
    made = award(issuer, badge_class)
    link = claim_path_for(ADA)
    ada = signed_in(client, make_account(ADA))
    r = ada.post(f"/backpack/{made['id']}/reject", {"csrf_token": ada.csrf("/backpack")})
    assert r.status_code == 303 and _stored(made["id"]).state == "rejected"
    _expire_claim(made["id"])

    stranger = Browser(client)  # holds the forwarded notice, no session
    page = stranger.get(link)
    assert page.status_code == 410
    r = stranger.post(link + "/resend", {"altcha": solved(), "csrf_token": csrf_token(page.text)})
    assert r.status_code == 409, r.text  # was: 200, and the rejected badge was pending again
    assert "declined" in r.text
    after = _stored(made["id"])
    assert (after.state, after.notice) == ("rejected", "sent")  # no fresh notice either
    assert claim_path_for(ADA) == link


def test_a_rejection_landing_while_a_fresh_link_is_asked_for_stands(client, issuer, badge_class, monkeypatch):
    from chalicelib.services.backpack import claims
    from chalicelib.store.dynamo.models import AssertionItem

    made = award(issuer, badge_class)
    link = claim_path_for(ADA)
    _expire_claim(made["id"])
    found = claims.find(link.rsplit("/", 1)[-1], store=current())  # read while still pending
    _stored(made["id"]).update(actions=[AssertionItem.state.set("rejected")])  # then the earner declines
    monkeypatch.setattr(claims, "find", lambda token, **_: found)
    claims.send_fresh_link("stale", "203.0.113.9", store=current())
    after = _stored(made["id"])
    assert (after.state, after.notice) == ("rejected", "sent")
