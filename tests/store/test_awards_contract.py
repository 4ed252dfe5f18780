"""AwardRepository on both stores: awards with their guard and Idempotency-Key, every change refused
when the award is not as read, pages and their cursors, notices, and what earners do."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.errors import Busy, Changed, Invalid
from chalicelib.openbadges.ob3 import STATUS_LIST_SIZE
from chalicelib.store.awards import AlreadyAwarded, AwardFilter, KeyUsed
from chalicelib.store.issuer_keys import Revocation
from tests.support.awards import AT, award, awarded, key


def walk(read, limit: int) -> list[str]:
    seen, cursor = [], None
    while True:
        found, cursor = read(limit=limit, cursor=cursor)
        seen += [a.id for a in found]
        if not cursor:
            return seen


# --- award_one and get ----------------------------------------------------------------------------


def test_an_award_reads_back_as_written(store):
    value = award(expires=AT + timedelta(days=365), job_id="job1", job_row=7)
    store.awards.award_one(value, key=None, at=AT)
    assert store.awards.get(value.id) == value
    assert store.awards.get(value.id, consistent=True) == value
    assert store.awards.get("nobody") is None
    assert store.awards.get_many([value.id, "nobody"]) == [value]


def test_a_used_key_answers_its_first_result_and_writes_nothing(store):
    first = award()
    store.awards.award_one(first, key=key(first.id), at=AT)
    second = award(recipient_email="bob@example.org")
    with pytest.raises(KeyUsed) as refused:
        store.awards.award_one(second, key=key(second.id, "other"), at=AT)
    assert refused.value.first == key(first.id)
    assert store.awards.get(second.id) is None
    assert store.awards.remembered("issuer1", "POST /x", "key-1") == key(first.id)
    assert store.awards.remembered("issuer1", "POST /y", "key-1") is None


def test_keys_are_scoped_by_operation_and_an_unscoped_key_is_its_own(store):
    one, two, three = award(), award(recipient_email="b@x.org"), award(recipient_email="c@x.org")
    store.awards.award_one(one, key=key(one.id), at=AT)
    store.awards.award_one(two, key=key(two.id, operation="POST /other"), at=AT)
    store.awards.award_one(three, key=key(three.id, operation=None), at=AT)
    assert store.awards.remembered("issuer1", None, "key-1").result_id == three.id
    store.awards.forget(key(three.id, operation=None))
    assert store.awards.remembered("issuer1", None, "key-1") is None
    assert store.awards.remembered("issuer1", "POST /x", "key-1").result_id == one.id


def test_a_second_live_award_to_the_address_is_refused_unless_it_holds_no_guard(store):
    first = awarded(store)
    second = award()
    with pytest.raises(AlreadyAwarded) as refused:
        store.awards.award_one(second, key=key(second.id), at=AT)
    assert refused.value.holder_id == first.id
    assert store.awards.get(second.id) is None
    assert store.awards.remembered("issuer1", "POST /x", "key-1") is None  # the key went nowhere either
    duplicate = awarded(store, holds_lock=False)
    other_class = awarded(store, badge_id="badge2")
    assert store.awards.get(duplicate.id) == duplicate and store.awards.get(other_class.id) == other_class


def test_an_expired_award_no_longer_blocks_a_new_one(store):
    awarded(store, expires=AT - timedelta(days=1))
    newer = awarded(store)
    assert store.awards.get(newer.id) == newer


def test_a_busy_store_writes_no_award_and_says_busy(store, refuse_next):
    value = award()
    refuse_next()
    with pytest.raises(Busy):
        store.awards.award_one(value, key=key(value.id), at=AT)
    assert store.awards.get(value.id) is None
    store.awards.award_one(value, key=key(value.id), at=AT)  # not taken: nothing was written
    assert store.awards.get(value.id) == value


def test_a_conflicting_transaction_is_busy_never_taken(store, refuse_next):
    value = award()
    refuse_next(conflict=True)
    with pytest.raises(Busy):
        store.awards.award_one(value, key=key(value.id), at=AT)
    assert store.awards.get(value.id) is None


# --- pages ----------------------------------------------------------------------------------------


def test_pages_list_an_issuers_awards_newest_first_and_filter(store):
    a = awarded(store)
    b = awarded(store, badge_id="badge2", recipient_email="bob@example.org")
    c = awarded(store, badge_id="badge2", state="accepted", holds_lock=False)
    d = awarded(store, expires=AT, holds_lock=False)
    awarded(store, issuer_id="issuer2", badge_id="badge3")
    erased = awarded(store, holds_lock=False)
    store.awards.erase(erased, at=AT)

    def ids(**where) -> list[str]:
        found, _ = store.awards.page(AwardFilter("issuer1", **where), at=AT, limit=50, cursor=None)
        return [x.id for x in found]

    assert ids() == [d.id, c.id, b.id, a.id]
    assert ids(badge_id="badge2") == [c.id, b.id]
    assert ids(email="ada@example.org") == [d.id, c.id, a.id]
    assert ids(badge_id="badge2", email="bob@example.org") == [b.id]
    assert ids(state="accepted") == [c.id]
    assert ids(state="expired") == [d.id]
    assert ids(state="pending") == [b.id, a.id]


@pytest.mark.parametrize(
    "where",
    [
        AwardFilter("issuer1"),
        AwardFilter("issuer1", badge_id="badge1"),
        AwardFilter("issuer1", email="ada@example.org"),
        AwardFilter("issuer1", state="pending"),
    ],
)
def test_cursors_walk_every_award_once(store, where):
    made = [awarded(store, holds_lock=False).id for _ in range(7)]
    seen = walk(lambda **page: store.awards.page(where, at=AT, **page), limit=3)
    assert seen == made[::-1]


def test_a_cursor_of_another_query_or_a_forged_one_is_refused(store):
    for _ in range(3):
        awarded(store, holds_lock=False)
    _, cursor = store.awards.page(AwardFilter("issuer1"), at=AT, limit=1, cursor=None)
    assert cursor is not None
    with pytest.raises(Invalid):
        store.awards.page(AwardFilter("issuer2"), at=AT, limit=1, cursor=cursor)
    with pytest.raises(Invalid):
        store.awards.page(AwardFilter("issuer1", badge_id="badge1"), at=AT, limit=1, cursor=cursor)
    with pytest.raises(Invalid):
        store.awards.page(
            AwardFilter("issuer1"), at=AT, limit=1, cursor={**cursor, "listing": {"S": "x" * 2000}}
        )


def test_awards_to_an_address_page_and_public_ones_hide(store):
    mine = [awarded(store, holds_lock=False, public=i % 2 == 0).id for i in range(5)]
    awarded(store, recipient_email="bob@example.org", public=True)
    assert walk(lambda **page: store.awards.to("ada@example.org", **page), limit=2) == mine[::-1]
    public = walk(lambda **page: store.awards.to("ada@example.org", public_only=True, **page), limit=2)
    assert public == [mine[4], mine[2], mine[0]]
    assert store.awards.hide_public_to("ada@example.org") == 3
    assert store.awards.to("ada@example.org", public_only=True, limit=10) == ([], None)
    assert store.awards.to("bob@example.org", public_only=True, limit=10)[0] != []


# --- changes by the issuer ------------------------------------------------------------------------


def test_revoke_is_final_and_frees_the_address(store):
    value = awarded(store, claim_hash="h1")
    later = AT + timedelta(hours=1)
    revoked = store.awards.revoke(value, "fraud", at=later)
    assert revoked == store.awards.get(value.id)
    assert (revoked.state, revoked.revocation_reason, revoked.claim_hash, revoked.updated_at) == (
        "revoked",
        "fraud",
        None,
        later,
    )
    assert store.awards.get(awarded(store).id) is not None  # the guard went with it
    with pytest.raises(Changed):
        store.awards.revoke(value, "again", at=later)  # not as read: it is revoked now


def test_revoke_is_refused_when_a_status_index_arrived_meanwhile(store):
    value = awarded(store)
    store.awards.give_status_index(value, 5)
    with pytest.raises(Changed):
        store.awards.revoke(value, "fraud", at=AT)
    assert store.awards.get(value.id).state == "pending"
    revoked = store.awards.revoke(store.awards.get(value.id), "fraud", at=AT)
    assert (revoked.state, revoked.status_index) == ("revoked", 5)
    # the issuer's lists learn it in the same write: the OB 2.0 revocation list and the OB 3.0 bit
    assert store.issuer_keys.revocations("issuer1") == [Revocation(value.id, "fraud", AT)]
    assert store.issuer_keys.revoked_indexes("issuer1", 0, STATUS_LIST_SIZE) == {5}


def test_revoking_an_older_award_keeps_the_newer_award_guarded(store):
    old = awarded(store, expires=AT - timedelta(days=1))
    newer = awarded(store)
    store.awards.revoke(old, "old", at=AT)
    with pytest.raises(AlreadyAwarded) as refused:
        store.awards.award_one(award(), key=None, at=AT)
    assert refused.value.holder_id == newer.id


def test_a_busy_revoke_changes_nothing(store, refuse_next):
    value = awarded(store)
    refuse_next()
    with pytest.raises(Busy):
        store.awards.revoke(value, "fraud", at=AT)
    assert store.awards.get(value.id) == value
    assert store.issuer_keys.revocations("issuer1") == []


def test_resend_queues_the_notice_and_reopens_a_rejected_award(store):
    value = awarded(store, notice="sent", state="rejected", notice_error="x")
    sent = store.awards.resend(value, at=AT)
    assert (sent.notice, sent.state, sent.notice_error) == ("queued", "pending", None)
    assert store.awards.get(value.id) == sent
    with pytest.raises(Changed):
        store.awards.resend(sent, at=AT)  # a notice is on its way already
    with pytest.raises(Changed):
        store.awards.resend(replace(sent, notice="sent", state="accepted"), at=AT)  # not as read


def test_recertify_renews_expiry_version_and_guard(store):
    value = awarded(store, expires=AT - timedelta(days=1))
    renewed = store.awards.recertify(value, AT + timedelta(days=30), at=AT)
    assert (renewed.expires, renewed.version) == (AT + timedelta(days=30), 2)
    assert store.awards.get(value.id) == renewed
    with pytest.raises(Changed):
        store.awards.recertify(value, AT + timedelta(days=60), at=AT)  # version 1 is gone
    with pytest.raises(AlreadyAwarded):
        store.awards.award_one(award(), key=None, at=AT)  # guarded again, until the new expiry


def test_recertify_is_refused_while_a_newer_award_holds_the_address(store):
    old = awarded(store, expires=AT - timedelta(days=1))
    newer = awarded(store)
    with pytest.raises(AlreadyAwarded) as refused:
        store.awards.recertify(old, AT + timedelta(days=30), at=AT)
    assert refused.value.holder_id == newer.id
    assert store.awards.get(old.id) == old


def test_erase_forgets_the_person_and_frees_the_address(store):
    value = awarded(store, claim_hash="h")
    store.awards.erase(value, at=AT)
    erased = store.awards.get(value.id)
    assert erased.state == "erased"
    gone = (erased.recipient_email, erased.recipient_name, erased.salt, erased.identity, erased.narrative)
    assert gone == (None,) * 5 and erased.evidence == () and erased.claim_hash is None
    assert store.awards.get(awarded(store).id) is not None


def test_a_status_index_is_given_once_and_a_revoked_award_still_gets_one(store):
    value = awarded(store)
    assert store.awards.give_status_index(value, 3).status_index == 3
    with pytest.raises(Changed):
        store.awards.give_status_index(value, 4)
    revoked = store.awards.revoke(awarded(store, holds_lock=False), "r", at=AT)
    assert store.awards.give_status_index(revoked, 9).status_index == 9
    assert store.awards.get(revoked.id).status_index == 9
    assert store.issuer_keys.revoked_indexes("issuer1", 0, STATUS_LIST_SIZE) == {9}  # its bit, at once
    erased = awarded(store, holds_lock=False)
    store.awards.erase(erased, at=AT)
    with pytest.raises(Changed):
        store.awards.give_status_index(erased, 10)


# --- notices --------------------------------------------------------------------------------------


def test_a_notice_is_claimed_once(store):
    value = awarded(store)
    expires = AT + timedelta(days=30)
    claimed = store.awards.claim_notice(value.id, "hash", expires)
    assert (claimed.notice, claimed.claim_hash, claimed.claim_expires) == ("sending", "hash", expires)
    assert claimed.recipient_email == value.recipient_email  # the whole award, to write the mail
    assert store.awards.claim_notice(value.id, "other", expires) is None
    assert store.awards.notice_unconfirmed(value.id, "unconfirmed") is True
    assert store.awards.notice_unconfirmed(value.id, "unconfirmed") is False
    assert store.awards.get(value.id).notice_error == "unconfirmed"
    assert store.awards.claim_notice("nobody", "hash", expires) is None


def test_a_revoked_awards_notice_is_not_claimed(store):
    value = awarded(store)
    store.awards.revoke(value, "r", at=AT)
    assert store.awards.claim_notice(value.id, "hash", AT) is None


def test_notice_outcomes(store):
    one, two = awarded(store, holds_lock=False), awarded(store, holds_lock=False)
    failed = store.awards.notice_failed([one.id, two.id], "SES said no")
    assert [(a.id, a.notice) for a in failed] == [(one.id, "failed"), (two.id, "failed")]
    assert {store.awards.get(i).notice_error for i in (one.id, two.id)} == {"SES said no"}
    store.awards.notice_sent(one.id)
    assert (store.awards.get(one.id).notice, store.awards.get(one.id).notice_error) == ("sent", None)
    store.awards.notice_unsent(two.id, "opted out")
    assert (store.awards.get(two.id).notice, store.awards.get(two.id).notice_error) == ("none", "opted out")


def test_claiming_and_handing_back_many_is_all_or_nothing(store):
    one, two = awarded(store, holds_lock=False), awarded(store, holds_lock=False, notice="sent")
    with pytest.raises(Changed):
        store.awards.claim_notices([(one.id, "h1"), (two.id, "h2")], AT)
    assert store.awards.get(one.id) == one
    store.awards.claim_notices([(one.id, "h1")], AT)
    assert store.awards.get(one.id).notice == "sending"
    with pytest.raises(Changed):
        store.awards.hand_back([one.id, two.id])
    assert store.awards.get(one.id).notice == "sending"
    store.awards.hand_back([one.id])
    assert store.awards.get(one.id).notice == "queued"


def test_busy_notice_writes_change_nothing(store, refuse_next):
    value = awarded(store)
    refuse_next()
    with pytest.raises(Busy):
        store.awards.claim_notice(value.id, "hash", AT)
    refuse_next()
    with pytest.raises(Busy):
        store.awards.claim_notices([(value.id, "hash")], AT)
    assert store.awards.get(value.id) == value


# --- what earners do ------------------------------------------------------------------------------


def test_accept_reject_recover_move_only_an_award_as_read(store):
    value = awarded(store)
    accepted = store.awards.accept(value, at=AT + timedelta(minutes=1))
    assert (accepted.state, accepted.updated_at) == ("accepted", AT + timedelta(minutes=1))
    with pytest.raises(Changed):
        store.awards.reject(value, at=AT)  # read as pending: it is accepted now
    rejected = store.awards.reject(accepted, at=AT)
    assert store.awards.recover(rejected, at=AT).state == "pending"
    assert store.awards.get(value.id).state == "pending"


def test_a_busy_move_says_busy_not_changed(store, refuse_next):
    value = awarded(store)
    refuse_next()
    with pytest.raises(Busy):
        store.awards.accept(value, at=AT)
    assert store.awards.get(value.id) == value


def test_a_claim_link_is_used_once(store):
    value = awarded(store, claim_hash="h")
    assert store.awards.claim(value, "used:h").claim_hash == "used:h"
    with pytest.raises(Changed):
        store.awards.claim(value, "used:h")


def test_public_is_set_and_an_erased_award_cannot_be_shown(store):
    value = awarded(store)
    assert store.awards.set_public(value, True, at=AT).public is True
    assert store.awards.get(value.id).public is True
    store.awards.erase(value, at=AT)
    with pytest.raises(Changed):
        store.awards.set_public(value, True, at=AT)
    with pytest.raises(Changed):
        store.awards.accept(award(), at=AT)  # never written
