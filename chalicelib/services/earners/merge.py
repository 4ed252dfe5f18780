"""Merging two earner accounts: the old one's addresses (and so its badges), items and settings move
to the account that proved control of it, and the old account closes. Nothing is lost or doubled.

Badges need no copying: awards are keyed by recipient address and carry their own state (accepted,
rejected, public), so whoever owns the address owns the badge, in whatever state it is in.

The algorithm (accounts table; a record MergeItem ACCOUNT#into / MERGE#old says where it stands):

1. Close (one TransactWrite): create the record (state running), mark the old profile merged_into +
   closed_at and bump its session_epoch (its sessions end, it cannot sign in, and no address can be
   added to it: addresses.add checks merged_into in its own transaction), check the survivor is open,
   and check the address is still verified on the old account.
2. Move (one TransactWrite per step, ≤ 100 items): read what is left in the old account's partition
   (strongly consistent) and move it: per address, the EmailItem owner changes to the survivor on
   condition it is still the old account's, the AccountEmailItem is deleted there (condition: exists)
   and put here (condition: not there yet); any other item in the partition (imported badges, merge
   records…) moves the same way, unless the survivor already has one with that key (then the
   survivor's is kept: nothing doubled). The record's step count and moved list are updated in the
   same transaction, on condition it is still running. Everything that fits in 99 items moves in a
   single transaction; more takes several steps.
3. Finish (one TransactWrite): settings the survivor lacks come from the old profile (career goals,
   the public profile slug and its SlugItem…), and the record becomes done.

A crash anywhere leaves a running record and an old partition that holds exactly what was not moved
yet: `resume` (called by every merge, and by the settings page for records left running) re-reads
and carries on. Each step's conditions make a concurrent or repeated step fail instead of doubling;
a failed step is simply re-planned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from botocore.exceptions import ClientError

from chalicelib.config import get_settings
from chalicelib.errors import Conflict
from chalicelib.services.shared import ids
from chalicelib.store import aws
from chalicelib.store.aws import client
from chalicelib.store.models import MergeItem

log = logging.getLogger(__name__)
MAX_ITEMS = 100  # DynamoDB's TransactWriteItems limit
MAX_TRIES = 20
# Profile attributes that are the survivor's own and never come over.
KEEP = {
    "pk",
    "sk",
    "id",
    "first_name",
    "last_name",
    "password_hash",
    "primary_email",
    "session_epoch",
    "created_at",
    "updated_at",
    "merged_into",
    "closed_at",
}
# Test hook: called with (into_id, old_id, step) just before each move step's transaction.
before_step: Callable[[str, str, int], None] | None = None


def _table() -> str:
    return get_settings().accounts_table


def _s(value: str) -> dict:
    return {"S": value}


def _write(items: list[dict]) -> None:
    assert len(items) <= MAX_ITEMS, len(items)
    client("dynamodb").transact_write_items(TransactItems=items)


def _cancelled(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "TransactionCanceledException"


def _partition(account_id: str) -> list[dict]:
    """Every item of ACCOUNT#id (strongly consistent, all pages)."""
    items, cursor = [], None
    while True:
        kw = {"ExclusiveStartKey": cursor} if cursor else {}
        page = client("dynamodb").query(
            TableName=_table(),
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": _s(f"ACCOUNT#{account_id}")},
            ConsistentRead=True,
            **kw,
        )
        items += page["Items"]
        cursor = page.get("LastEvaluatedKey")
        if not cursor:
            return items


def record(into_id: str, old_id: str) -> MergeItem | None:
    try:
        return MergeItem.get(f"ACCOUNT#{into_id}", f"MERGE#{old_id}", consistent_read=True)
    except MergeItem.DoesNotExist:
        return None


# --- 1. close ------------------------------------------------------------------------------------


def merge(into_id: str, old_id: str, *, proof: str, email: str) -> MergeItem:
    """Merge account `old_id` into `into_id` (the caller has checked the proof). Idempotent."""
    if into_id == old_id:
        raise Conflict("This address is already on your account.")
    existing = record(into_id, old_id)
    if existing is None:
        _close(into_id, old_id, proof, email)
    return resume(into_id, old_id)


def _now() -> str:
    """The current time as PynamoDB's UTCDateTimeAttribute stores it, so the models read it back."""
    from pynamodb.attributes import UTCDateTimeAttribute

    return UTCDateTimeAttribute().serialize(ids.now())


def _close(into_id: str, old_id: str, proof: str, email: str) -> None:
    at = _now()
    table = _table()
    merge_item = MergeItem(
        f"ACCOUNT#{into_id}",
        f"MERGE#{old_id}",
        from_id=old_id,
        into_id=into_id,
        state="running",
        proof=proof,
        email=email,
        moved=[],
        steps=0,
        created_at=ids.now(),
    )
    items = [
        {
            "Put": {
                "TableName": table,
                "Item": merge_item.serialize(),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": _s(f"ACCOUNT#{old_id}"), "sk": _s("PROFILE")},
                "UpdateExpression": "SET merged_into = :into, closed_at = :at, updated_at = :at "
                "ADD session_epoch :one",
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(merged_into)",
                "ExpressionAttributeValues": {":into": _s(into_id), ":at": _s(at), ":one": {"N": "1"}},
            }
        },
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": {"pk": _s(f"ACCOUNT#{into_id}"), "sk": _s("PROFILE")},
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(merged_into)",
            }
        },
    ]
    items.append(  # only an address verified on that account brings it over (never a mere hold)
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": {"pk": _s(f"EMAIL#{email}"), "sk": _s("EMAIL")},
                "ConditionExpression": "account_id = :old AND verified = :t",
                "ExpressionAttributeValues": {":old": _s(old_id), ":t": {"BOOL": True}},
            }
        }
    )
    try:
        _write(items)
    except ClientError as error:
        if not aws.condition_failed(error):
            raise  # throttled or a concurrent transaction: nothing was written, so a retry may pass
        if record(into_id, old_id) is None:  # not a repeat of our own close: a real conflict
            raise Conflict(
                "That account is already being merged or has changed meanwhile. Reload and try again."
            ) from None


# --- 2. move -------------------------------------------------------------------------------------


def resume(into_id: str, old_id: str) -> MergeItem:
    """Carry a merge on from wherever it stopped, until it is done."""
    for _ in range(MAX_TRIES):
        current = record(into_id, old_id)
        if current is None:
            raise Conflict("There is no such merge.")
        if current.state == "done":
            return current
        try:
            if not _step(current):
                _finish(current)
        except ClientError as error:
            if not _cancelled(error):
                raise
            log.info("merge %s → %s: a step met a concurrent change; re-planning", old_id, into_id)
    raise Conflict("The merge could not finish because the accounts kept changing. Try again.")


def _step(current: MergeItem) -> bool:
    """Move the next chunk; False when nothing is left to move."""
    old_id, into_id, table = current.from_id, current.into_id, _table()
    left = [i for i in _partition(old_id) if i["sk"]["S"] != "PROFILE"]
    if not left:
        return False
    theirs = {i["sk"]["S"] for i in _partition(into_id)}
    items: list[dict] = []
    moved: list[str] = []
    for item in sorted(left, key=lambda i: (not i["sk"]["S"].startswith("EMAIL#"), i["sk"]["S"])):
        sk = item["sk"]["S"]
        is_address = sk.startswith("EMAIL#")
        ops = _move_address(item, old_id, into_id) if is_address else _move_other(item, into_id, theirs)
        if len(items) + len(ops) > MAX_ITEMS - 1:
            break
        items += ops
        if is_address:
            moved.append(item["email"]["S"])
    items.append(
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": _s(current.pk), "sk": _s(current.sk)},
                "UpdateExpression": "SET moved = list_append(if_not_exists(moved, :empty), :moved) "
                "ADD steps :one",
                "ConditionExpression": "#state = :running",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": {
                    ":moved": {"L": [_s(e) for e in moved]},
                    ":empty": {"L": []},
                    ":one": {"N": "1"},
                    ":running": _s("running"),
                },
            }
        }
    )
    if before_step is not None:
        before_step(into_id, old_id, (current.steps or 0) + 1)
    _write(items)
    return True


def _move_address(item: dict, old_id: str, into_id: str) -> list[dict]:
    table, email = _table(), item["email"]["S"]
    return [
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": _s(f"EMAIL#{email}"), "sk": _s("EMAIL")},
                "UpdateExpression": "SET account_id = :into, merged_from = :old",
                "ConditionExpression": "account_id = :old",
                "ExpressionAttributeValues": {":into": _s(into_id), ":old": _s(old_id)},
            }
        },
        *_relocate(item, into_id),
    ]


def _move_other(item: dict, into_id: str, theirs: set[str]) -> list[dict]:
    if item["sk"]["S"] in theirs:  # the survivor has its own: keep that one, drop the duplicate
        return [_delete(item)]
    return _relocate(item, into_id)


def _delete(item: dict) -> dict:
    return {
        "Delete": {
            "TableName": _table(),
            "Key": {"pk": item["pk"], "sk": item["sk"]},
            "ConditionExpression": "attribute_exists(pk)",
        }
    }


def _relocate(item: dict, into_id: str) -> list[dict]:
    copy = {**item, "pk": _s(f"ACCOUNT#{into_id}")}
    put = {"Put": {"TableName": _table(), "Item": copy, "ConditionExpression": "attribute_not_exists(pk)"}}
    return [_delete(item), put]


# --- 3. finish -----------------------------------------------------------------------------------


def _profile(account_id: str) -> dict:
    found = client("dynamodb").get_item(
        TableName=_table(),
        Key={"pk": _s(f"ACCOUNT#{account_id}"), "sk": _s("PROFILE")},
        ConsistentRead=True,
    )
    return found.get("Item") or {}


def _empty(value: dict | None) -> bool:
    return value is None or "NULL" in value or value in ({"S": ""}, {"L": []}, {"M": {}})


def _finish(current: MergeItem) -> None:
    """Settings the survivor lacks come from the old profile; the record becomes done."""
    old, mine = _profile(current.from_id), _profile(current.into_id)
    table = _table()
    taken = {k: v for k, v in old.items() if k not in KEEP and not _empty(v) and _empty(mine.get(k))}
    items: list[dict] = []
    if "slug" in taken:  # the public profile address comes along with its owner item
        items.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": _s(f"SLUG#{taken['slug']['S']}"), "sk": _s("SLUG")},
                    "UpdateExpression": "SET account_id = :into",
                    "ConditionExpression": "account_id = :old",
                    "ExpressionAttributeValues": {":into": _s(current.into_id), ":old": _s(current.from_id)},
                }
            }
        )
    names = {f"#a{n}": k for n, k in enumerate(taken)}
    values = {f":a{n}": v for n, v in enumerate(taken.values())}
    sets = [f"#a{n} = :a{n}" for n in range(len(taken))]
    if sets:
        items.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": _s(f"ACCOUNT#{current.into_id}"), "sk": _s("PROFILE")},
                    "UpdateExpression": "SET " + ", ".join(sets),
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        )
    items.append(
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": _s(current.pk), "sk": _s(current.sk)},
                "UpdateExpression": "SET #state = :done, finished_at = :at",
                "ConditionExpression": "#state = :running",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": {
                    ":done": _s("done"),
                    ":running": _s("running"),
                    ":at": _s(_now()),
                },
            }
        }
    )
    _write(items)


def resume_pending(into_id: str) -> list[MergeItem]:
    """Finish any merge into this account that a crash left running (one Query when there is none)."""
    running = [
        m
        for m in MergeItem.query(
            f"ACCOUNT#{into_id}", MergeItem.sk.startswith("MERGE#"), consistent_read=True
        )
        if m.state == "running"
    ]
    return [resume(m.into_id, m.from_id) for m in running]
