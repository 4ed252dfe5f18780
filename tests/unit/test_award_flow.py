"""The issuer API in-process: badge class, award, hosted JSON, notice."""

from tests.support.inprocess import drain_queue, sent_mail


def test_award_is_hosted_and_notified(issuer, badge_class):
    r = issuer.api.call(
        "POST",
        f"/api/v1/badgeclasses/{badge_class['id']}/assertions",
        {"recipient_email": " Ada@Example.ORG ", "recipient_name": "Ada"},
    )
    assert r.status_code == 201, r.body
    award = r.json
    assert award["recipient_email"] == "ada@example.org"
    assert award["public_url"] == f"https://badges.example/public/assertions/{award['id']}"
    hosted = issuer.api.call(
        "GET", f"/public/assertions/{award['id']}", headers={"Accept": "application/ld+json"}
    )
    assert hosted.status_code == 200
    assert hosted.headers["Content-Type"] == "application/ld+json"
    assert hosted.json["recipient"]["hashed"] is True
    assert "ada@example.org" not in hosted.body.decode()
    assert drain_queue() == 1
    mails = sent_mail()
    assert len(mails) == 1
    assert drain_queue() == 0
    after = issuer.api.call("GET", f"/api/v1/assertions/{award['id']}")
    assert after.json["notice"] == "sent"
