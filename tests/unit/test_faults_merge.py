"""Faults while merging accounts: a busy store answers a friendly 503 with nothing half-done, and the
retry (or the next visit to the settings page) finishes the merge with every address moved once."""

from __future__ import annotations

import pytest

from tests.support.earners import activation_code, csrf_token
from tests.support.faults import (
    Fault,
    inject,
    transaction_touching,
)
from tests.support.merging import OLD, OTHER_PASSWORD, assert_busy_page, assert_merged, merge_form, sign_in

pytestmark = pytest.mark.usefixtures("cheap_passwords")
CLOSE = transaction_touching("merged_into")  # step 1: the record, the old profile closed
STEP = transaction_touching("list_append")  # step 2: addresses moved, the record's progress


def accounts_state() -> list:
    """Every account and address item, to compare before and after a refused merge."""
    from chalicelib.config import get_settings
    from chalicelib.store.aws import client

    items = client("dynamodb").scan(TableName=get_settings().accounts_table, ConsistentRead=True)["Items"]
    return sorted(repr(i) for i in items if i["pk"]["S"].startswith(("ACCOUNT#", "EMAIL#")))


@pytest.mark.parametrize(
    "fault",
    [
        Fault("TransactWriteItems", when=CLOSE),
        Fault(
            "TransactWriteItems",
            when=CLOSE,
            code="TransactionCanceledException",
            reasons="TransactionConflict",
        ),
    ],
    ids=["throttled", "conflict"],
)
def test_a_busy_store_at_the_close_changes_nothing_and_the_retry_merges(client, accounts, fault):
    ada, old, awarded = accounts
    browser = sign_in(client, "ada@example.org")
    before = accounts_state()
    with inject(fault):
        assert_busy_page(merge_form(browser, OLD[0], method="password", password=OTHER_PASSWORD))
    assert accounts_state() == before  # not closed, no record: nothing half-done
    r = merge_form(browser, OLD[0], method="password", password=OTHER_PASSWORD)
    assert r.status_code == 303, r.text
    assert_merged(ada, old, awarded)


@pytest.mark.parametrize("after", [False, True], ids=["step-throttled", "step-unanswered"])
def test_a_busy_store_mid_move_is_finished_by_the_next_visit(client, accounts, after):
    ada, old, awarded = accounts
    browser = sign_in(client, "ada@example.org")
    with inject(Fault("TransactWriteItems", when=STEP, after=after)):
        assert_busy_page(merge_form(browser, OLD[0], method="password", password=OTHER_PASSWORD))
    page = browser.get("/settings/emails")  # resumes the merge a failure left running
    assert page.status_code == 200 and OLD[2] in page.text
    assert_merged(ada, old, awarded)


def test_conflicting_steps_are_replanned_within_the_request(client, accounts):
    ada, old, awarded = accounts
    browser = sign_in(client, "ada@example.org")
    conflict = Fault(
        "TransactWriteItems",
        when=STEP,
        times=2,
        code="TransactionCanceledException",
        reasons="TransactionConflict",
    )
    with inject(conflict):
        r = merge_form(browser, OLD[0], method="password", password=OTHER_PASSWORD)
    assert r.status_code == 303 and conflict.hits == 2
    assert_merged(ada, old, awarded)


@pytest.mark.parametrize("when", [CLOSE, STEP], ids=["close-throttled", "step-throttled"])
def test_a_code_is_not_wasted_by_a_busy_store(client, accounts, mails, when):
    ada, old, awarded = accounts
    browser = sign_in(client, "ada@example.org")
    page = browser.get(f"/settings/emails/merge?email={OLD[1]}")
    r = browser.post("/settings/emails/merge/code", {"csrf_token": csrf_token(page.text), "email": OLD[1]})
    assert r.status_code == 200
    code = activation_code([m for m in mails if m["to"] == OLD[0]][-1]["html"])  # to its primary
    with inject(Fault("TransactWriteItems", when=when)):
        assert_busy_page(merge_form(browser, OLD[1], method="code", code=code))
    r = merge_form(browser, OLD[1], method="code", code=code)  # the same code still works
    assert r.status_code == 303, r.text
    assert_merged(ada, old, awarded)
    assert browser.get(f"/settings/emails/merge?email={OLD[1]}").status_code == 303  # ours now
