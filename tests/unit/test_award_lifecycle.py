"""An award's life via the issuer API: idempotency, duplicates, revoke, resend, re-certify, erase, lists."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from tests.support.inprocess import (
    assert_problem,
    data_uri,
    deliver,
    drain_queue,
    png_bytes,
    sent_mail,
    store_snapshot,
    take_messages,
)

pytestmark = pytest.mark.usefixtures("no_500")


def award(issuer, badge: dict, body: dict, **kwargs):
    return issuer.api.call("POST", f"/api/v1/badgeclasses/{badge['id']}/assertions", body, **kwargs)


def claim_path(mail) -> str:
    """The /claim/... path from a single templated notice."""
    return urlsplit(json.loads(mail.template_data)["claim_url"]).path


def hosted(issuer, assertion_id: str, suffix: str = "", accept: str = "application/ld+json"):
    return issuer.api.call("GET", f"/public/assertions/{assertion_id}{suffix}", headers={"Accept": accept})


def stored(assertion_id: str):
    from chalicelib.store.dynamo.models import AssertionItem

    return AssertionItem.get(f"ASSERTION#{assertion_id}", "ASSERTION")


def listed(issuer, query: str = "") -> list[dict]:
    r = issuer.api.call("GET", f"/api/v1/assertions{query}")
    assert r.status_code == 200, r.body
    return r.json["items"]


# --- idempotency and duplicates ------------------------------------------------------------------


def test_idempotent_retry_returns_the_first_award(issuer, badge_class):
    body = {"recipient_email": "ada@example.org", "recipient_name": "Ada"}
    first = award(issuer, badge_class, body, headers={"Idempotency-Key": "retry-1"})
    assert first.status_code == 201, first.body
    again = award(issuer, badge_class, body, headers={"Idempotency-Key": "retry-1"})
    assert again.status_code == 200, again.body
    assert again.json["id"] == first.json["id"]
    assert [a["id"] for a in listed(issuer)] == [first.json["id"]]
    assert drain_queue() == 2  # the retry re-queues a still-queued notice: a harmless copy
    assert len(sent_mail()) == 1


def test_idempotency_key_with_another_body_is_409(issuer, badge_class):
    first = award(
        issuer, badge_class, {"recipient_email": "ada@example.org"}, headers={"Idempotency-Key": "k"}
    )
    assert first.status_code == 201
    before = store_snapshot()
    other = award(
        issuer, badge_class, {"recipient_email": "bob@example.org"}, headers={"Idempotency-Key": "k"}
    )
    assert_problem(other, 409, "Idempotency-Key was already used")
    assert store_snapshot() == before
    assert [a["recipient_email"] for a in listed(issuer)] == ["ada@example.org"]


def other_class(issuer) -> dict:
    body = {
        "name": "Data Ethics",
        "description": "D.",
        "image": data_uri(png_bytes()),
        "criteria_narrative": "C",
    }
    r = issuer.api.call("POST", "/api/v1/badgeclasses", body)
    assert r.status_code == 201, r.body
    return r.json


def test_idempotency_key_is_scoped_to_the_badge_class(issuer, badge_class):
    ethics = other_class(issuer)
    body = {"recipient_email": "ada@example.org"}
    first = award(issuer, badge_class, body, headers={"Idempotency-Key": "ada-1"})
    second = award(issuer, ethics, body, headers={"Idempotency-Key": "ada-1"})
    assert (first.status_code, second.status_code) == (201, 201), second.body
    assert second.json["id"] != first.json["id"] and second.json["badge_class_id"] == ethics["id"]
    for badge, made in ((badge_class, first), (ethics, second)):  # each retry finds its own award
        again = award(issuer, badge, body, headers={"Idempotency-Key": "ada-1"})
        assert (again.status_code, again.json["id"]) == (200, made.json["id"])
    assert sorted(a["badge_class_id"] for a in listed(issuer)) == sorted([badge_class["id"], ethics["id"]])


def test_a_key_stored_before_keys_were_scoped_still_answers_its_retry(issuer, badge_class):
    from chalicelib.services.shared import ids
    from chalicelib.store.dynamo.models import IdempotencyItem

    body = {"recipient_email": "ada@example.org"}
    first = award(issuer, badge_class, body)
    digest = ids.sha256_hex(json.dumps(body, sort_keys=True))
    ttl = int(datetime.now(UTC).timestamp()) + 3600
    IdempotencyItem(
        f"IDEM#{issuer.id}#old-1", "IDEM", result_id=first.json["id"], request_hash=digest, ttl=ttl
    ).save()
    again = award(issuer, badge_class, body, headers={"Idempotency-Key": "old-1"})
    assert (again.status_code, again.json["id"]) == (200, first.json["id"])
    other = award(
        issuer, badge_class, {"recipient_email": "bob@example.org"}, headers={"Idempotency-Key": "old-1"}
    )
    assert_problem(other, 409, "Idempotency-Key was already used")
    elsewhere = award(issuer, other_class(issuer), body, headers={"Idempotency-Key": "old-1"})
    assert elsewhere.status_code == 201 and elsewhere.json["id"] != first.json["id"]


def test_a_busy_key_lookup_is_503_and_writes_nothing(issuer, badge_class):
    from tests.support.faults import Fault, inject

    before = store_snapshot()
    key_lookup = Fault("GetItem", when=lambda params: params["Key"]["pk"]["S"].startswith("IDEM#"))
    with inject(key_lookup):
        r = award(
            issuer, badge_class, {"recipient_email": "ada@example.org"}, headers={"Idempotency-Key": "k"}
        )
    assert_problem(r, 503)
    assert key_lookup.hits == 1 and store_snapshot() == before
    again = award(
        issuer, badge_class, {"recipient_email": "ada@example.org"}, headers={"Idempotency-Key": "k"}
    )
    assert again.status_code == 201, again.body


def test_second_active_award_is_409_unless_allowed(issuer, badge_class):
    first = award(issuer, badge_class, {"recipient_email": "ada@example.org"})
    assert first.status_code == 201
    before = store_snapshot()
    again = award(issuer, badge_class, {"recipient_email": "  ADA@Example.org "})
    problem = assert_problem(again, 409, "allow_duplicate")
    assert problem["existing_id"] == first.json["id"]
    assert store_snapshot() == before
    allowed = award(issuer, badge_class, {"recipient_email": "ada@example.org", "allow_duplicate": True})
    assert allowed.status_code == 201, allowed.body
    assert allowed.json["id"] != first.json["id"]
    assert len(listed(issuer, "?recipient_email=ada@example.org")) == 2


def test_an_award_to_another_class_is_not_a_duplicate(issuer, badge_class):
    other = issuer.api.call(
        "POST",
        "/api/v1/badgeclasses",
        {
            "name": "B",
            "description": "B",
            "image": data_uri(png_bytes()),
            "criteria_url": "https://x.example/c",
        },
    ).json
    assert award(issuer, badge_class, {"recipient_email": "ada@example.org"}).status_code == 201
    assert award(issuer, other, {"recipient_email": "ada@example.org"}).status_code == 201


def test_after_revoke_a_new_award_is_allowed(issuer, badge_class):
    first = award(issuer, badge_class, {"recipient_email": "ada@example.org"}).json
    r = issuer.api.call("POST", f"/api/v1/assertions/{first['id']}/revoke", {"reason": "issued in error"})
    assert r.status_code == 200 and r.json["state"] == "revoked"
    second = award(issuer, badge_class, {"recipient_email": "ada@example.org"})
    assert second.status_code == 201, second.body
    assert award(issuer, badge_class, {"recipient_email": "ada@example.org"}).status_code == 409


def test_after_expiry_a_new_award_is_allowed(issuer, badge_class):
    issued = datetime.now(UTC) - timedelta(days=3)
    body = {
        "recipient_email": "ada@example.org",
        "issued_on": issued.isoformat(),
        "expires": (issued + timedelta(days=1)).isoformat(),
    }
    assert award(issuer, badge_class, body).json["state"] == "expired"
    assert award(issuer, badge_class, {"recipient_email": "ada@example.org"}).status_code == 201


# --- revoke --------------------------------------------------------------------------------------


def test_revoke_requires_a_reason(issuer, badge_class):
    a = award(issuer, badge_class, {"recipient_email": "ada@example.org"}).json
    before = store_snapshot()
    for body in ({}, {"reason": ""}, {"reason": "  "}):
        r = issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/revoke", body)
        assert_problem(r, 422, "reason", ["reason"])
    assert_problem(issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/revoke", raw=""), 422, "empty")
    assert store_snapshot() == before
    assert issuer.api.call("GET", f"/api/v1/assertions/{a['id']}").json["state"] == "pending"
    assert hosted(issuer, a["id"]).status_code == 200


def test_revoke_twice_is_fine_and_keeps_the_first_reason(issuer, badge_class):
    a = award(issuer, badge_class, {"recipient_email": "ada@example.org"}).json
    path = f"/api/v1/assertions/{a['id']}/revoke"
    first = issuer.api.call("POST", path, {"reason": "cheated"})
    second = issuer.api.call("POST", path, {"reason": "changed my mind"})
    assert first.status_code == second.status_code == 200
    assert second.json["state"] == "revoked" and second.json["revocation_reason"] == "cheated"


def test_revoke_many(issuer, badge_class):
    ids = [award(issuer, badge_class, {"recipient_email": f"r{i}@example.org"}).json["id"] for i in range(3)]
    assert_problem(
        issuer.api.call("POST", "/api/v1/assertions/revoke", {"ids": ids[:2]}), 422, None, ["reason"]
    )
    assert_problem(issuer.api.call("POST", "/api/v1/assertions/revoke", {"reason": "x"}), 422, "ids", ["ids"])
    r = issuer.api.call(
        "POST", "/api/v1/assertions/revoke", {"ids": [*ids[:2], "nope"], "reason": "batch error"}
    )
    assert r.status_code == 200, r.body
    items = r.json["items"]
    assert [i.get("state") for i in items] == ["revoked", "revoked", None]
    assert items[2] == {"id": "nope", "error": "No assertion nope."}
    states = {a["id"]: a["state"] for a in listed(issuer)}
    assert states == {ids[0]: "revoked", ids[1]: "revoked", ids[2]: "pending"}
    one = issuer.api.call("POST", f"/api/v1/assertions/{ids[2]}/revoke", {"ids": [ids[2]], "reason": "x"})
    assert_problem(one, 422, "ids", ["ids"])


def test_revoked_award_answers_410(issuer, badge_class):
    a = award(issuer, badge_class, {"recipient_email": "ada@example.org"}).json
    assert hosted(issuer, a["id"], "/baked.png", accept="image/png").status_code == 200
    issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/revoke", {"reason": "Issued in error"})
    r = hosted(issuer, a["id"])
    assert r.status_code == 410
    assert r.json["revoked"] is True and r.json["revocationReason"] == "Issued in error"
    assert r.json["id"] == a["public_url"]
    assert "ada@example.org" not in r.body.decode()
    baked = hosted(issuer, a["id"], "/baked.png", accept="image/png")
    assert baked.status_code == 410
    assert baked.json["revoked"] is True
    page = hosted(issuer, a["id"], accept="text/html")
    assert page.status_code == 410


def test_revoked_award_does_not_send_its_queued_notice(issuer, badge_class):
    a = award(issuer, badge_class, {"recipient_email": "ada@example.org"}).json
    issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/revoke", {"reason": "oops"})
    drain_queue()
    assert sent_mail() == []


# --- resend --------------------------------------------------------------------------------------


def test_resend_sends_a_new_claim_link_and_kills_the_old(issuer, badge_class):
    a = award(issuer, badge_class, {"recipient_email": "ada@example.org"}).json
    drain_queue()
    old = claim_path(sent_mail()[0])
    assert issuer.api.call("GET", old, headers={"Accept": "text/html"}).status_code == 200
    r = issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/resend")
    assert r.status_code == 200 and r.json["notice"] == "queued"
    assert drain_queue() == 1
    mails = sent_mail()
    assert len(mails) == 2
    new = claim_path(mails[1])
    assert new != old
    assert mails[1].destinations["ToAddresses"] == ["ada@example.org"]
    gone = issuer.api.call("GET", old, headers={"Accept": "text/html"})
    assert gone.status_code == 404
    assert "not valid" in gone.body.decode()
    assert issuer.api.call("GET", new, headers={"Accept": "text/html"}).status_code == 200


def test_resend_makes_a_rejected_award_pending(issuer, badge_class):
    from chalicelib.store.dynamo.models import AssertionItem

    a = award(issuer, badge_class, {"recipient_email": "ada@example.org"}).json
    drain_queue()
    stored(a["id"]).update(actions=[AssertionItem.state.set("rejected")])
    assert issuer.api.call("GET", f"/api/v1/assertions/{a['id']}").json["state"] == "rejected"
    r = issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/resend")
    assert r.status_code == 200 and r.json["state"] == "pending"
    drain_queue()
    assert len(sent_mail()) == 2


def test_resend_while_a_notice_is_queued_is_409(issuer, badge_class):
    a = award(issuer, badge_class, {"recipient_email": "ada@example.org"}).json
    before = store_snapshot()
    assert_problem(issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/resend"), 409, "already on its way")
    assert store_snapshot() == before
    assert drain_queue() == 1 and len(sent_mail()) == 1


def test_resend_of_revoked_award_is_409(issuer, badge_class):
    a = award(issuer, badge_class, {"recipient_email": "ada@example.org", "notify": False}).json
    issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/revoke", {"reason": "x"})
    assert_problem(issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/resend"), 409, "revoked")
    assert drain_queue() == 0


def test_award_without_notify_sends_nothing_until_resent(issuer, badge_class):
    a = award(issuer, badge_class, {"recipient_email": "ada@example.org", "notify": False}).json
    assert a["notice"] == "none"
    assert drain_queue() == 0
    assert issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/resend").status_code == 200
    assert drain_queue() == 1 and len(sent_mail()) == 1


def test_redelivered_notice_sends_once(issuer, badge_class):
    award(issuer, badge_class, {"recipient_email": "ada@example.org"})
    [body] = take_messages()
    deliver(body)
    deliver(body)
    assert len(sent_mail()) == 1
    assert listed(issuer)[0]["notice"] == "sent"


# --- re-certify ----------------------------------------------------------------------------------


def baked_expires(issuer, assertion_id: str) -> str | None:
    from chalicelib.openbadges.baking import unbake_png

    r = hosted(issuer, assertion_id, "/baked.png", accept="image/png")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    return json.loads(unbake_png(r.body)).get("expires")


def test_recertify_changes_expiry_and_rebakes(issuer, badge_class):
    a = award(issuer, badge_class, {"recipient_email": "ada@example.org"}).json
    assert a["expires"]
    first = baked_expires(issuer, a["id"])
    assert first.startswith(a["expires"][:10])
    r = issuer.api.call(
        "POST", f"/api/v1/assertions/{a['id']}/recertify", {"expires": "2040-06-01T00:00:00Z"}
    )
    assert r.status_code == 200, r.body
    assert r.json["expires"].startswith("2040-06-01")
    assert baked_expires(issuer, a["id"]).startswith("2040-06-01")
    assert hosted(issuer, a["id"]).json["expires"].startswith("2040-06-01")


def test_recertify_with_the_class_rule_and_refusals(issuer, badge_class):
    a = award(issuer, badge_class, {"recipient_email": "ada@example.org"}).json
    path = f"/api/v1/assertions/{a['id']}/recertify"
    before = store_snapshot()
    assert_problem(issuer.api.call("POST", path, {"expires": "2001-01-01"}), 422, "future", ["expires"])
    assert_problem(
        issuer.api.call("POST", path, {"expires_after": {"amount": 0, "unit": "days"}}), 422, "amount"
    )
    assert_problem(issuer.api.call("POST", path, {"until": "2040-01-01"}), 422, "until", ["until"])
    assert_problem(issuer.api.call("POST", path, raw="{"), 400, "not valid JSON")
    assert store_snapshot() == before
    r = issuer.api.call("POST", path, {"expires_after": {"amount": 3, "unit": "years"}})
    assert r.status_code == 200, r.body
    assert r.json["expires"][:4] == str(datetime.now(UTC).year + 3)
    issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/revoke", {"reason": "x"})
    assert_problem(issuer.api.call("POST", path, {"expires": "2040-01-01"}), 409, "revoked")


def test_recertify_revives_an_expired_award(issuer, badge_class):
    issued = datetime.now(UTC) - timedelta(days=3)
    body = {
        "recipient_email": "ada@example.org",
        "issued_on": issued.isoformat(),
        "expires": (issued + timedelta(days=1)).isoformat(),
    }
    a = award(issuer, badge_class, body).json
    assert a["state"] == "expired"
    r = issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/recertify", {"expires": "2040-01-01"})
    assert r.json["state"] == "pending"
    assert award(issuer, badge_class, {"recipient_email": "ada@example.org"}).status_code == 409


# --- erase ---------------------------------------------------------------------------------------


def test_erase_removes_personal_data(issuer, badge_class):
    a = award(issuer, badge_class, {"recipient_email": "ada@example.org", "recipient_name": "Ada"}).json
    drain_queue()
    claim = claim_path(sent_mail()[0])
    assert hosted(issuer, a["id"], "/baked.png", accept="image/png").status_code == 200
    r = issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/erase")
    assert r.status_code == 204
    assert_problem(hosted(issuer, a["id"]), 404)
    assert hosted(issuer, a["id"], accept="text/html").status_code == 404
    assert hosted(issuer, a["id"], "/baked.png", accept="image/png").status_code == 404
    assert issuer.api.call("GET", claim, headers={"Accept": "text/html"}).status_code == 404
    assert_problem(issuer.api.call("GET", f"/api/v1/assertions/{a['id']}"), 404)
    item = stored(a["id"])
    assert item.recipient_email is None and item.recipient_name is None
    assert item.identity is None and item.salt is None
    assert "ada@example.org" not in json.dumps(item.to_simple_dict(), default=str)
    assert listed(issuer, "?recipient_email=ada@example.org") == []
    assert listed(issuer) == []
    assert not [o for o in store_snapshot()["objects"] if o.startswith(f"baked/{a['id']}/")]
    assert_problem(issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/erase"), 404)
    assert award(issuer, badge_class, {"recipient_email": "ada@example.org"}).status_code == 201


def test_erase_of_revoked_award(issuer, badge_class):
    a = award(issuer, badge_class, {"recipient_email": "ada@example.org"}).json
    issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/revoke", {"reason": "x"})
    assert issuer.api.call("POST", f"/api/v1/assertions/{a['id']}/erase").status_code == 204
    assert hosted(issuer, a["id"]).status_code == 404


# --- lists ---------------------------------------------------------------------------------------


def test_list_filters(issuer, badge_class):
    second = issuer.api.call(
        "POST",
        "/api/v1/badgeclasses",
        {
            "name": "B",
            "description": "B",
            "image": data_uri(png_bytes()),
            "criteria_url": "https://x.example/c",
        },
    ).json
    issued = datetime.now(UTC) - timedelta(days=2)
    a1 = award(issuer, badge_class, {"recipient_email": "ada@example.org"}).json
    b1 = award(issuer, badge_class, {"recipient_email": "bob@example.org"}).json
    a2 = award(issuer, second, {"recipient_email": "ADA@example.org"}).json
    old = {
        "recipient_email": "cy@example.org",
        "issued_on": issued.isoformat(),
        "expires": (issued + timedelta(seconds=1)).isoformat(),
    }
    c1 = award(issuer, badge_class, old).json
    issuer.api.call("POST", f"/api/v1/assertions/{b1['id']}/revoke", {"reason": "x"})

    def ids(query: str) -> set[str]:
        return {a["id"] for a in listed(issuer, query)}

    assert ids("") == {a1["id"], b1["id"], a2["id"], c1["id"]}
    assert ids(f"?badge_class={badge_class['id']}") == {a1["id"], b1["id"], c1["id"]}
    assert ids(f"?badge_class={second['id']}") == {a2["id"]}
    assert ids("?recipient_email=ada@example.org") == {a1["id"], a2["id"]}
    assert ids("?recipient_email=%20Ada@Example.org") == {a1["id"], a2["id"]}
    assert ids("?state=expired") == {c1["id"]}
    assert ids("?state=revoked") == {b1["id"]}
    assert ids("?state=pending") == {a1["id"], a2["id"]}
    assert ids(f"?state=pending&badge_class={second['id']}") == {a2["id"]}
    assert ids("?state=accepted") == set()
    r = issuer.api.call("GET", f"/api/v1/badgeclasses/{badge_class['id']}/assertions?state=expired")
    assert {a["id"] for a in r.json["items"]} == {c1["id"]}


def test_cursor_pagination_walks_every_award_once(issuer, badge_class):
    made = {award(issuer, badge_class, {"recipient_email": f"p{i}@example.org"}).json["id"] for i in range(5)}
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        r = issuer.api.call("GET", f"/api/v1/assertions{query}")
        assert r.status_code == 200, r.body
        assert len(r.json["items"]) <= 2
        seen += [a["id"] for a in r.json["items"]]
        pages += 1
        cursor = r.json["next_cursor"]
        if not cursor:
            break
        assert pages < 10
    assert len(seen) == len(set(seen)) == 5 and set(seen) == made
    assert pages >= 3


def test_cursor_pagination_with_a_filter(issuer, badge_class):
    for i in range(5):
        award(issuer, badge_class, {"recipient_email": f"p{i}@example.org"})
    seen, cursor, cursors = [], None, []
    for _ in range(10):
        query = f"?limit=2&badge_class={badge_class['id']}" + (f"&cursor={cursor}" if cursor else "")
        r = issuer.api.call("GET", f"/api/v1/assertions{query}")
        assert r.status_code == 200, r.body
        seen += [a["id"] for a in r.json["items"]]
        cursor = r.json["next_cursor"]
        if not cursor:
            break
        cursors.append(cursor)
    assert len(seen) == len(set(seen)) == 5
    elsewhere = issuer.api.call("GET", f"/api/v1/assertions?limit=2&cursor={cursors[0]}")
    assert_problem(elsewhere, 422, "cursor", ["cursor"])


def expired_then_renewed(issuer, badge_class) -> tuple[dict, dict]:
    """An expired award and the newer active award of the same class to the same address."""
    issued = datetime.now(UTC) - timedelta(days=3)
    old = {
        "recipient_email": "ada@example.org",
        "issued_on": issued.isoformat(),
        "expires": (issued + timedelta(days=1)).isoformat(),
    }
    expired = award(issuer, badge_class, old).json
    current = award(issuer, badge_class, {"recipient_email": "ada@example.org"})
    assert current.status_code == 201, current.body
    return expired, current.json


def test_revoking_an_expired_award_keeps_the_newer_award_guarded(issuer, badge_class):
    expired, current = expired_then_renewed(issuer, badge_class)
    r = issuer.api.call("POST", f"/api/v1/assertions/{expired['id']}/revoke", {"reason": "cleanup"})
    assert r.status_code == 200
    again = award(issuer, badge_class, {"recipient_email": "ada@example.org"})
    assert assert_problem(again, 409)["existing_id"] == current["id"]


def test_erasing_an_expired_award_keeps_the_newer_award_guarded(issuer, badge_class):
    expired, current = expired_then_renewed(issuer, badge_class)
    assert issuer.api.call("POST", f"/api/v1/assertions/{expired['id']}/erase").status_code == 204
    again = award(issuer, badge_class, {"recipient_email": "ada@example.org"})
    assert assert_problem(again, 409)["existing_id"] == current["id"]


def test_recertifying_an_expired_award_while_a_newer_one_is_active_is_409(issuer, badge_class):
    expired, current = expired_then_renewed(issuer, badge_class)
    r = issuer.api.call("POST", f"/api/v1/assertions/{expired['id']}/recertify", {"expires": "2040-01-01"})
    assert assert_problem(r, 409, "active award")["existing_id"] == current["id"]
    assert issuer.api.call("GET", f"/api/v1/assertions/{expired['id']}").json["state"] == "expired"
    issuer.api.call("POST", f"/api/v1/assertions/{current['id']}/revoke", {"reason": "x"})
    assert award(issuer, badge_class, {"recipient_email": "ada@example.org"}).status_code == 201
