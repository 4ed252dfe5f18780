"""Issue 9, pattern 3 elsewhere: a busy store (throttled, conflicting transaction) is never turned into
a domain answer. It is 503 with Retry-After, nothing is changed, and the retry does the work."""

from __future__ import annotations

from tests.support.credentials import award, credential, get, revoked, verifies
from tests.support.faults import Fault, inject, transaction_touching
from tests.support.inprocess import assert_problem


def _sets_status_index(params: dict) -> bool:
    return "status_index" in repr(params.get("UpdateExpression", "")) or "status_index" in repr(
        params.get("ExpressionAttributeNames", {})
    )


def test_a_throttled_status_index_write_never_revokes_the_credential(issuer, badge_class):
    made = award(issuer, badge_class)
    credential(issuer, made["id"])  # the issuer's key exists; only the award's index is new below
    fresh = award(issuer, badge_class, email="grace@example.org")
    with inject(Fault("UpdateItem", when=_sets_status_index)) as faults:
        assert_problem(get(issuer, f"/public/credentials/{fresh['id']}"), 503)
    assert faults[0].hits == 1
    document = credential(issuer, fresh["id"])
    assert verifies(issuer, document)
    assert not revoked(issuer, document)  # was: the fallback for revoked awards set its bit


def test_a_throttled_first_key_is_503_not_a_missing_key(issuer, badge_class):
    made = award(issuer, badge_class)
    with inject(Fault("TransactWriteItems", when=transaction_touching("EDKEY#"))) as faults:
        response = get(issuer, f"/public/credentials/{made['id']}")
    assert faults[0].hits == 1
    assert_problem(response, 503)  # was: 404 "No key None."
    assert verifies(issuer, credential(issuer, made["id"]))


def test_a_throttled_key_rotation_is_503_not_a_conflict(issuer):
    before = issuer.api.call("GET", "/api/v1/issuer").json
    with inject(Fault("TransactWriteItems", when=transaction_touching("EDKEY#"), times=3)) as faults:
        response = issuer.api.call("POST", "/api/v1/issuer/rotate-credential-key")
    assert faults[0].hits == 1  # was: tried three times, then 409 "changed three times"
    assert_problem(response, 503)
    assert issuer.api.call("GET", "/api/v1/issuer").json == before
    assert issuer.api.call("POST", "/api/v1/issuer/rotate-credential-key").status_code == 200


def test_a_busy_store_during_recertify_is_503_not_changed_meanwhile(issuer, badge_class):
    made = award(issuer, badge_class)
    path = f"/api/v1/assertions/{made['id']}/recertify"
    for fault in (
        Fault("TransactWriteItems"),
        Fault("TransactWriteItems", code="TransactionCanceledException", reasons="TransactionConflict"),
    ):
        with inject(fault) as faults:
            response = issuer.api.call("POST", path, {"expires": "2031-01-01T00:00:00Z"})
        assert faults[0].hits == 1
        assert_problem(response, 503)  # was: 409 "The award changed while it was being re-certified"
        assert issuer.api.call("GET", f"/api/v1/assertions/{made['id']}").json["expires"] == made["expires"]
    response = issuer.api.call("POST", path, {"expires": "2031-01-01T00:00:00Z"})
    assert response.status_code == 200 and response.json["expires"].startswith("2031-01-01")


def test_two_resends_racing_are_one_notice_and_a_409_never_a_500(issuer, badge_class):
    from chalicelib.store.dynamo.models import AssertionItem

    made = award(issuer, badge_class, notify=False)
    stored = AssertionItem.get(f"ASSERTION#{made['id']}", "ASSERTION")

    def other_resend_first():  # the other request's update lands between this one's read and write
        stored.update(actions=[AssertionItem.notice.set("queued")])

    resend = Fault("UpdateItem", run=other_resend_first, when=lambda p: "notice" in repr(p))
    with inject(resend) as faults:
        response = issuer.api.call("POST", f"/api/v1/assertions/{made['id']}/resend")
    assert faults[0].hits == 1
    assert_problem(response, 409, "already on its way")  # was: 500 from the failed condition


def test_a_resend_racing_a_revoke_never_undoes_the_revocation(issuer, badge_class):
    from chalicelib.store.dynamo.models import AssertionItem

    made = award(issuer, badge_class, notify=False)
    AssertionItem.get(f"ASSERTION#{made['id']}", "ASSERTION").update(
        actions=[AssertionItem.state.set("rejected")]  # the earner declined it
    )

    def revoke_first():  # the issuer's revoke lands between the resend's read and its write
        assert (
            issuer.api.call("POST", f"/api/v1/assertions/{made['id']}/revoke", {"reason": "x"}).status_code
            == 200
        )

    # a rejected award's resend moves its address's counts too: one TransactWriteItems
    resend = Fault("TransactWriteItems", run=revoke_first, when=lambda p: "notice" in repr(p), times=1)
    with inject(resend) as faults:
        response = issuer.api.call("POST", f"/api/v1/assertions/{made['id']}/resend")
    assert faults[0].hits == 1
    assert_problem(response, 409, "revoked")
    stored = issuer.api.call("GET", f"/api/v1/assertions/{made['id']}").json
    assert stored["state"] == "revoked"  # was: "pending", a revoked award back in play
    assert get(issuer, f"/public/assertions/{made['id']}").status_code == 410
