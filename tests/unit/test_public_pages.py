"""Hosted pages for people: content negotiation, escaping, privacy of the recipient's name, the claim link."""

from __future__ import annotations

import json
from datetime import timedelta

from chalicelib.services.shared import ids
from chalicelib.store.dynamo.models import AssertionItem
from tests.support.inprocess import data_uri, drain_queue, png_bytes, sent_mail

HTML = {"Accept": "text/html,application/xhtml+xml"}


def _award(issuer, badge_class, **extra):
    body = {"recipient_email": "lin@example.org", "recipient_name": "Lin <b>Wu</b>", **extra}
    r = issuer.api.call("POST", f"/api/v1/badgeclasses/{badge_class['id']}/assertions", body)
    assert r.status_code == 201, r.body
    return r.json


def test_browser_gets_a_readable_page_and_machines_get_json_ld(issuer, badge_class):
    award = _award(issuer, badge_class)
    page = issuer.api.call("GET", f"/public/assertions/{award['id']}", headers=HTML)
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Data Literacy" in page.body.decode() and "Open Skills Consortium" in page.body.decode()
    machine = issuer.api.call(
        "GET", f"/public/assertions/{award['id']}", headers={"Accept": "application/ld+json"}
    )
    assert machine.json["type"] == "Assertion"


def test_recipient_name_shows_only_on_a_public_badge_and_is_escaped(issuer, badge_class):
    award = _award(issuer, badge_class)
    path = f"/public/assertions/{award['id']}"
    assert "Lin" not in issuer.api.call("GET", path, headers=HTML).body.decode()
    item = AssertionItem.get(f"ASSERTION#{award['id']}", "ASSERTION")
    item.update(actions=[AssertionItem.public.set(True)])
    page = issuer.api.call("GET", path, headers=HTML).body.decode()
    assert "Lin &lt;b&gt;Wu&lt;/b&gt;" in page and "<b>Wu</b>" not in page


def test_issuer_text_is_escaped_and_markdown_sanitised(memory_issuer):
    r = memory_issuer.api.call(
        "POST",
        "/api/v1/badgeclasses",
        {
            "name": "<script>alert(1)</script>Hacker",
            "description": "<img src=x onerror=alert(1)>",
            "image": data_uri(png_bytes()),
            "criteria_narrative": "**Bold** <script>alert(2)</script> [link](javascript:alert(3))",
        },
    )
    assert r.status_code == 201, r.body
    page = memory_issuer.api.call("GET", f"/public/badges/{r.json['id']}", headers=HTML).body.decode()
    assert "<strong>Bold</strong>" in page
    assert "<script>" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert 'href="javascript:' not in page


def test_claim_link_from_the_mail_names_the_badge(issuer, badge_class):
    _award(issuer, badge_class)
    drain_queue()
    path = json.loads(sent_mail()[-1].template_data)["claim_url"].replace("https://badges.example", "")
    page = issuer.api.call("GET", path, headers=HTML)
    assert page.status_code == 200 and "Data Literacy" in page.body.decode()


def test_bad_and_expired_claim_links_explain_themselves(issuer, badge_class):
    award = _award(issuer, badge_class)
    drain_queue()
    bad = issuer.api.call("GET", f"/claim/{award['id']}.not-the-secret", headers=HTML)
    assert bad.status_code == 404 and "not valid" in bad.body.decode()
    item = AssertionItem.get(f"ASSERTION#{award['id']}", "ASSERTION")
    item.update(actions=[AssertionItem.claim_expires.set(ids.now() - timedelta(seconds=1))])
    url = json.loads(sent_mail()[-1].template_data)["claim_url"]
    expired = issuer.api.call("GET", url.replace("https://badges.example", ""), headers=HTML)
    assert expired.status_code == 410 and "expired" in expired.body.decode()


def test_ids_never_start_with_a_dash_or_underscore():
    assert all(ids.new_id()[0].isalnum() for _ in range(2000))
