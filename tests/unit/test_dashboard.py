"""The dashboard and the tabbed backpack in-process: tabs from derived status, counts, events, career
goals (length, escaping, CSRF), another earner's badge (404), and a bound on DynamoDB calls per page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from chalicelib.store import current
from tests.support.earners import PASSWORD, Browser, csrf_token
from tests.support.inprocess import data_uri, png_bytes

ADA = "ada@example.org"
GRACE = "grace@example.org"


def award(issuer, badge_class, email=ADA, **body) -> dict:
    body = {"recipient_email": email, "notify": False, "allow_duplicate": True, **body}
    r = issuer.api.call("POST", f"/api/v1/badgeclasses/{badge_class['id']}/assertions", body)
    assert r.status_code == 201, r.body
    return r.json


def sign_in(client, email: str, first_name: str = "Ada") -> Browser:
    """An activated account for `email` (made by the services, not the forms), signed in."""
    from chalicelib.services.earners import accounts, activation, sessions
    from chalicelib.store import current
    from chalicelib.web.sessions import COOKIE

    reg = accounts.Registration(email, first_name, "Lovelace", PASSWORD)
    account = accounts.register(reg, store=current())
    activation.verify_owner(account, email, store=current())
    browser = Browser(client)
    browser.cookies[COOKIE] = sessions.start(account, store=current())
    browser.account_id = account.id
    return browser


def account_of(browser):
    from chalicelib.services.earners import accounts

    return accounts.get_account(browser.account_id, store=current())


@pytest.fixture
def ada(client):
    return sign_in(client, ADA)


@pytest.fixture
def every_state(ada, issuer, badge_class):
    """Ada's awards: 2 pending, 1 accepted, 1 rejected, 1 revoked, 1 expired."""
    made = {
        "pending": [award(issuer, badge_class)["id"], award(issuer, badge_class)["id"]],
        "accepted": [award(issuer, badge_class)["id"]],
        "rejected": [award(issuer, badge_class)["id"]],
        "revoked": [award(issuer, badge_class)["id"]],
    }
    from chalicelib.services.backpack import shelf
    from chalicelib.services.shared import ids

    account = account_of(ada)
    shelf.accept(account, made["accepted"][0], store=current())
    shelf.reject(account, made["rejected"][0], store=current())
    r = issuer.api.call(
        "POST", f"/api/v1/assertions/{made['revoked'][0]}/revoke", {"reason": "Issued in error"}
    )
    assert r.status_code == 200, r.body
    past = ids.now() - timedelta(days=400)
    expired = award(
        issuer,
        badge_class,
        issued_on=past.isoformat(),
        expires=(past + timedelta(days=30)).isoformat(),
    )
    made["expired"] = [expired["id"]]
    return made


def tab_ids(page: str) -> list[str]:
    return re.findall(r'<li id="badge-([^"]+)"', page)


def test_tabs_filter_by_derived_status_and_count(ada, every_state):
    page = ada.get("/backpack").text
    for name, label in (("pending", "Pending"), ("accepted", "Accepted"), ("expired", "Expired")):
        assert f'{label} <span class="count">({len(every_state[name])})</span>' in page
    assert 'href="/backpack?tab=pending" aria-current="page"' in page  # the default tab
    assert (
        len(re.findall(r'<a [^>]*aria-current="page"', page)) == 2
    )  # the tab and "Backpack" in the account nav
    for tab, expected in every_state.items():
        page = ada.get(f"/backpack?tab={tab}").text
        assert sorted(tab_ids(page)) == sorted(expected), tab
        assert f'href="/backpack?tab={tab}" aria-current="page"' in page
        for assertion_id in expected:
            assert f'href="/backpack/{assertion_id}"' in page
    expired = ada.get("/backpack?tab=expired").text
    assert "This badge expired on" in expired and 'href="mailto:badges@skills.example?subject=' in expired
    revoked = ada.get("/backpack?tab=revoked").text
    assert (
        "revoked this badge" in revoked
        and "Issued in error" in revoked
        and "mailto:badges@skills.example" in revoked
    )
    assert "Accept" not in revoked.split('<ul class="badges">')[1]
    rejected = ada.get("/backpack?tab=rejected").text
    assert "/recover" in rejected and "/accept" not in rejected


def test_expired_is_derived_from_expires_not_stored_state(ada, issuer, badge_class):
    from chalicelib.services.backpack import shelf
    from chalicelib.services.shared import ids

    a = award(issuer, badge_class)
    store = current()
    item = store.awards.get(a["id"])
    assert item.state == "pending"
    store.awards.recertify(item, ids.now() - timedelta(seconds=1), at=ids.now())  # expired a second ago
    found = shelf.tab_page(account_of(ada), "expired", store=store)
    assert [b.id for b in found.badges] == [a["id"]] and found.badges[0].assertion.state == "pending"
    assert {t.name: t.count for t in found.tabs}["pending"] == 0


def test_unknown_tab_and_default_pick_a_tab_with_badges(ada, issuer, badge_class):
    from chalicelib.services.backpack import shelf

    a = award(issuer, badge_class)
    shelf.reject(account_of(ada), a["id"], store=current())
    page = ada.get("/backpack").text  # nothing pending: the first tab holding badges
    assert 'href="/backpack?tab=rejected" aria-current="page"' in page and tab_ids(page) == [a["id"]]
    assert ada.get("/backpack?tab=<script>").status_code == 200


def test_empty_tabs_say_something_helpful(ada):
    page = ada.get("/backpack?tab=accepted").text
    assert "Accept a badge from your Pending tab" in page
    assert "you can recover it at any time" in ada.get("/backpack?tab=rejected").text


def test_accept_reject_recover_move_the_badge_between_tabs(ada, issuer, badge_class):
    a = award(issuer, badge_class)["id"]
    csrf = csrf_token(ada.get("/backpack").text)
    r = ada.post(f"/backpack/{a}/accept", {"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["Location"] == f"/backpack?tab=accepted&done=accept#badge-{a}"
    page = ada.get("/backpack?tab=accepted&done=accept").text
    assert tab_ids(page) == [a] and "Badge accepted" in page
    assert (
        ada.post(f"/backpack/{a}/reject", {"csrf_token": csrf})
        .headers["Location"]
        .startswith("/backpack?tab=rejected")
    )
    assert tab_ids(ada.get("/backpack?tab=rejected").text) == [a]
    assert ada.post(f"/backpack/{a}/recover", {"csrf_token": csrf}).status_code == 303
    assert tab_ids(ada.get("/backpack?tab=pending").text) == [a]
    assert ada.post(f"/backpack/{a}/accept", {}).status_code == 403
    assert ada.post(f"/backpack/{a}/frobnicate", {"csrf_token": csrf}).status_code == 404


def test_another_earners_badge_is_404_on_every_action(client, ada, issuer, badge_class):
    theirs = award(issuer, badge_class, email=GRACE)["id"]
    sign_in(client, GRACE, "Grace")
    csrf = ada.csrf("/backpack")
    for action in ("accept", "reject", "recover"):
        assert ada.post(f"/backpack/{theirs}/{action}", {"csrf_token": csrf}).status_code == 404
    assert theirs not in ada.get("/backpack").text


def test_signed_out_visitors_go_to_login(client):
    browser = Browser(client)
    for path in ("/backpack", "/dashboard"):
        r = browser.get(path)
        assert r.status_code == 303 and r.headers["Location"] == f"/login?next={path}"


def test_pagination_after_fifty_in_a_tab(ada, issuer, badge_class):
    made = [award(issuer, badge_class)["id"] for _ in range(53)]  # awards in one second tie-break by id
    first = ada.get("/backpack?tab=pending").text
    shown = tab_ids(first)
    assert len(shown) == 50 and 'Pending <span class="count">(53)</span>' in first
    more = re.search(r'href="(/backpack\?tab=pending&amp;after=[^"]+)"', first).group(1)
    second = ada.get(more.replace("&amp;", "&")).text
    rest = tab_ids(second)
    assert len(rest) == 3 and sorted(shown + rest) == sorted(made) and "Older badges" not in second
    assert ada.get("/backpack?tab=pending&after=" + "x" * 500).status_code == 200


def test_dashboard_shows_latest_badge_counts_and_events(ada, every_state):
    page = ada.get("/dashboard")
    assert page.status_code == 200
    text = page.text
    latest = re.search(r'<div class="latest" id="latest-badge">(.*?)</div>\s*</div>', text, re.S).group(1)
    assert "Data Literacy" in latest and "Open Skills Consortium" in latest and "badge image" in latest
    newest = re.search(r'href="/backpack/([^"#?]+)"', latest).group(1)
    assert newest in every_state["pending"] + every_state["accepted"]  # never a revoked or expired one
    for name, ids in every_state.items():
        assert re.search(rf'id="count-{name}"><strong>{len(ids)}</strong>', text), name
    events = re.search(r'<ol class="events" id="events">(.*?)</ol>', text, re.S).group(1)
    for kind in ("awarded", "accepted", "rejected", "revoked", "expired"):
        assert f'class="event {kind}"' in events, kind
    assert "<time datetime=" in events


def test_awarded_event_carries_the_date_the_issuer_gave(ada, issuer, badge_class):
    """A badge issued in 2024 and sent today says "awarded · 4 December 2024", not today's date."""
    award(issuer, badge_class, issued_on="2024-12-04T09:00:00Z")
    text = ada.get("/dashboard").text
    awarded = re.search(r'class="event awarded">(.*?)</li>', text, re.S).group(1)
    assert '<time datetime="2024-12-04T09:00:00' in awarded and "4 December 2024" in awarded


def test_dashboard_with_no_badges(ada):
    text = ada.get("/dashboard").text
    assert "No badges yet" in text and "Nothing has happened yet" in text


def test_career_goals_are_saved_escaped_and_bounded(ada):
    csrf = ada.csrf("/dashboard")
    goals = "<script>alert(1)</script>\r\nLead a data team by 2027 & teach."
    r = ada.post("/dashboard/goals", {"csrf_token": csrf, "career_goals": goals})
    assert r.status_code == 303 and r.headers["Location"] == "/dashboard?saved=1#goals"
    assert account_of(ada).career_goals == "<script>alert(1)</script>\nLead a data team by 2027 & teach."
    text = ada.get("/dashboard?saved=1").text
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "teach." in text and "Your career goals are saved" in text

    too_long = "x" * 2001
    r = ada.post("/dashboard/goals", {"csrf_token": csrf, "career_goals": too_long})
    assert r.status_code == 422 and 'id="career_goals-error"' in r.text and "2,000 characters" in r.text
    assert account_of(ada).career_goals.startswith("<script>")  # unchanged
    assert ada.post("/dashboard/goals", {"csrf_token": csrf, "career_goals": "y" * 2000}).status_code == 303
    assert len(account_of(ada).career_goals) == 2000
    assert ada.post("/dashboard/goals", {"csrf_token": csrf, "career_goals": "a\x00b"}).status_code == 422

    assert ada.post("/dashboard/goals", {"career_goals": "forged"}).status_code == 403
    assert ada.post("/dashboard/goals", {"csrf_token": "w" * 43, "career_goals": "forged"}).status_code == 403
    assert ada.post("/dashboard/goals", {"csrf_token": csrf, "career_goals": ""}).status_code == 303
    assert account_of(ada).career_goals is None


def test_issuer_text_is_escaped_on_both_pages(ada, issuer):
    r = issuer.api.call(
        "POST",
        "/api/v1/badgeclasses",
        {
            "name": "<img src=x onerror=alert(1)>",
            "description": "d",
            "criteria_narrative": "c",
            "image": data_uri(png_bytes()),
        },
    )
    assert r.status_code == 201, r.body
    award(issuer, r.json)
    for path in ("/backpack", "/dashboard"):
        text = ada.get(path).text
        assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text, path


def test_one_backpack_page_of_fifty_badges_costs_at_most_six_dynamodb_calls(
    ada, issuer, badge_class, client, monkeypatch
):
    """Session + account + the account's addresses + one Query by_recipient + one BatchGet of the badge
    classes and issuers: 5 calls, however many badge classes and issuers the page shows."""
    from botocore.client import BaseClient

    from chalicelib.services.issuing import issuers

    classes = [badge_class]
    for n in range(4):
        _, key = issuers.create_issuer(
            name=f"Issuer {n}", url=f"https://i{n}.example", email=f"b@i{n}.example", store=current()
        )
        api = type(issuer.api)(client, key)
        r = api.call(
            "POST",
            "/api/v1/badgeclasses",
            {"name": f"B{n}", "description": "d", "criteria_narrative": "c", "image": data_uri(png_bytes())},
        )
        assert r.status_code == 201, r.body
        classes.append({"id": r.json["id"], "api": api})
    for i in range(50):
        chosen = classes[i % len(classes)]
        api = chosen.get("api", issuer.api)
        body = {"recipient_email": ADA, "notify": False, "allow_duplicate": True}
        assert api.call("POST", f"/api/v1/badgeclasses/{chosen['id']}/assertions", body).status_code == 201

    calls: list[str] = []
    original = BaseClient._make_api_call

    def counting(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    page = ada.get("/backpack?tab=pending")
    monkeypatch.setattr(BaseClient, "_make_api_call", original)
    assert len(tab_ids(page.text)) == 50 and "B3" in page.text
    print(f"\nDynamoDB calls for one backpack page of 50 badges: {len(calls)} {calls}")
    assert len(calls) <= 6, calls
    assert calls.count("BatchGetItem") == 1 and "GetItem" not in calls[2:] and "Scan" not in calls

    calls.clear()
    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    assert ada.get("/dashboard").status_code == 200
    monkeypatch.setattr(BaseClient, "_make_api_call", original)
    print(f"DynamoDB calls for the dashboard: {len(calls)} {calls}")
    assert len(calls) <= 6, calls


def _counted(monkeypatch, request) -> tuple[object, list[str]]:
    """The response to `request()` and the DynamoDB operations it made."""
    from botocore.client import BaseClient

    calls: list[str] = []
    original = BaseClient._make_api_call

    def counting(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(self, operation, params)

    with monkeypatch.context() as patched:
        patched.setattr(BaseClient, "_make_api_call", counting)
        response = request()
    assert response.status_code == 200, response.text[:500]
    return response, calls


@pytest.mark.parametrize("badges", [10, 250])
def test_every_earner_page_costs_at_most_six_dynamodb_calls_whatever_the_number_of_badges(
    ada, issuer, badge_class, monkeypatch, badges
):
    """Issue 10, step 6: the counts are kept per address and each tab reads its own index, so the
    backpack, a later page of a tab and the dashboard cost the same at 10 badges and at 250 (and 5,000:
    bench/earner_calls.py)."""
    from tests.support.inprocess import drain_queue

    rows = [{"recipient_email": ADA, "notify": False, "allow_duplicate": True}] * badges
    r = issuer.api.call(
        "POST", f"/api/v1/badgeclasses/{badge_class['id']}/assertions/bulk", {"assertions": rows}
    )
    assert r.status_code == 202, r.body
    drain_queue()
    first, calls = _counted(monkeypatch, lambda: ada.get("/backpack"))
    assert len(tab_ids(first.text)) == min(badges, 50) and len(calls) <= 6, calls
    assert f"<strong>{badges}</strong>" in ada.get("/dashboard").text  # every badge counted, no cap
    later = re.search(r'href="(/backpack\?tab=pending&amp;after=[^"]+)"', first.text)
    path = later.group(1).replace("&amp;", "&") if later else "/backpack?tab=accepted"
    page, calls = _counted(monkeypatch, lambda: ada.get(path))
    assert len(calls) <= 6 and "Scan" not in calls, calls
    assert len(tab_ids(page.text)) == (50 if badges > 50 else 0)
    _, calls = _counted(monkeypatch, lambda: ada.get("/dashboard"))
    assert len(calls) <= 6 and "Scan" not in calls, calls
