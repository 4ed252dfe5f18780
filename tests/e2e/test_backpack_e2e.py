"""The tabbed backpack and the dashboard over HTTP on the live stack: an earner with a badge in every
state (awarded, revoked and expired by the issuer API; accepted and rejected through the forms)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.earners import Earner, activation_code, address, csrf_token
from tests.support.issuing import QUIET, IssuerApi


@pytest.fixture(scope="module")
def issuer_api(live, make_issuer):
    """The issuer API as a fresh issuer, and the id of its one badge class."""
    issuer = make_issuer(name="Northwind <b>Institute</b>", email="registrar@northwind.example")
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(name="Cloud Basics", description="Knows the cloud.", criteria_narrative="Pass.")
    return api, badge["id"]


def tab_ids(page: str) -> list[str]:
    return re.findall(r'<li id="badge-([^"]+)"', page)


def test_an_earner_with_badges_in_every_state(live, issuer_api):
    api, badge_id = issuer_api
    earner = Earner(live, address("tabs"))

    def award(**body) -> str:
        return api.award(badge_id, earner.email, **QUIET, **body)["id"]

    first = api.award(badge_id, earner.email)["id"]
    assert earner.register(earner.claim_path()).status_code == 200
    r = earner.activate_by_code(activation_code(earner.activation_mail()["html"]))
    assert r.status_code == 303 and r.headers["Location"] == "/backpack"

    to_accept, to_reject, to_revoke = award(), award(), award()
    past = datetime.now(UTC) - timedelta(days=500)
    expired = award(issued_on=past.isoformat(), expires=(past + timedelta(days=90)).isoformat())
    api.revoke(to_revoke, "Awarded to the wrong cohort")

    page = earner.get("/backpack?tab=pending")
    assert page.status_code == 200
    assert sorted(tab_ids(page.text)) == sorted([first, to_accept, to_reject])
    csrf = csrf_token(page.text)
    r = earner.post(f"/backpack/{to_accept}/accept", {"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["Location"].startswith("/backpack?tab=accepted")
    r = earner.post(f"/backpack/{to_reject}/reject", {"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["Location"].startswith("/backpack?tab=rejected")

    expected = {
        "pending": [first],
        "accepted": [to_accept],
        "expired": [expired],
        "revoked": [to_revoke],
        "rejected": [to_reject],
    }
    for tab, ids in expected.items():
        page = earner.get(f"/backpack?tab={tab}").text
        assert tab_ids(page) == ids, tab
        assert f'href="/backpack?tab={tab}" aria-current="page"' in page
        for name, want in expected.items():
            assert f'{name.capitalize()} <span class="count">({len(want)})</span>' in page
        assert f'href="/backpack/{ids[0]}"' in page
    revoked = earner.get("/backpack?tab=revoked").text
    assert "Awarded to the wrong cohort" in revoked and "mailto:registrar@northwind.example" in revoked
    assert "<b>Institute</b>" not in revoked and "&lt;b&gt;Institute&lt;/b&gt;" in revoked
    assert "expired on" in earner.get("/backpack?tab=expired").text

    dashboard = earner.get("/dashboard")
    assert dashboard.status_code == 200
    for tab, ids in expected.items():
        assert re.search(rf'id="count-{tab}"><strong>{len(ids)}</strong>', dashboard.text), tab
    for kind in ("awarded", "accepted", "rejected", "revoked", "expired"):
        assert f'class="event {kind}"' in dashboard.text, kind

    # The earner recovers the rejected badge; an issuer's resend of a rejected badge brings it back too.
    assert earner.post(f"/backpack/{to_reject}/recover", {"csrf_token": csrf}).status_code == 303
    assert sorted(tab_ids(earner.get("/backpack?tab=pending").text)) == sorted([first, to_reject])
    assert earner.post(f"/backpack/{to_reject}/reject", {"csrf_token": csrf}).status_code == 303
    api.post(f"/assertions/{to_reject}/resend", {})
    assert to_reject in tab_ids(earner.get("/backpack?tab=pending").text)

    # Career goals round trip, with CSRF.
    form = {"csrf_token": csrf_token(dashboard.text), "career_goals": "Become a cloud architect <soon>."}
    assert earner.post("/dashboard/goals", form).status_code == 303
    assert "Become a cloud architect &lt;soon&gt;." in earner.get("/dashboard").text
    assert earner.post("/dashboard/goals", {"career_goals": "x"}).status_code == 403


def test_another_earners_badge_is_404(live, issuer_api):
    api, badge_id = issuer_api
    theirs = api.award(badge_id, address("stranger"), notify=False)
    earner = Earner(live, address("own"))
    api.award(badge_id, earner.email)
    assert earner.register(earner.claim_path()).status_code == 200
    earner.activate_by_code(activation_code(earner.activation_mail()["html"]))
    csrf = csrf_token(earner.get("/backpack").text)
    for action in ("accept", "reject", "recover"):
        assert earner.post(f"/backpack/{theirs['id']}/{action}", {"csrf_token": csrf}).status_code == 404
