"""The merge's raw DynamoDB transactions (services/earners/merge.py says what a merge is and in which
order it runs; this module is how each step is written, unchanged from when it lived there).

1. Close (one TransactWrite): create the record MergeItem ACCOUNT#into / MERGE#old (state running),
   mark the old profile merged_into + closed_at and bump its session_epoch, check the survivor is
   open, and check the address is still verified on the old account.
2. Move (one TransactWrite per step, ≤ MAX_ITEMS items): read what is left in the old account's
   partition (strongly consistent) and move it: per address, the EmailItem owner changes to the
   survivor on condition it is still the old account's, the AccountEmailItem is deleted there
   (condition: exists) and put here (condition: not there yet); any other item in the partition
   (imported badges, merge records…) moves the same way, unless the survivor already has one with
   that key (then the survivor's is kept: nothing doubled). Identities and passkeys move like
   addresses: their lookup item (IDENTITY#… / PASSKEY#…, the listing's sk) is re-pointed to the
   survivor on condition it is still the old account's, the listing moves, and the survivor's
   `ways_in` (and `passkeys`) count goes up by as many in one update. The record's step count and
   moved list are updated in the same transaction, on condition it is still running.
3. Finish (one TransactWrite): settings the survivor lacks come from the old profile (career goals,
   the public profile slug and its SlugItem…), and the record becomes done.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.config import get_settings
from chalicelib.errors import Changed
from chalicelib.store.accounts import MergeRecord
from chalicelib.store.aws import client
from chalicelib.store.dynamo import ways_in
from chalicelib.store.dynamo.models import MergeItem
from chalicelib.store.dynamo.translate import translated

MAX_ITEMS = 100  # DynamoDB's TransactWriteItems limit
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
    "ways_in",  # counted by the move of each identity and passkey
    "passkeys",
    "product_mail",  # consent to news and the terms accepted are the survivor's own answers
    "terms_at",
}
WAYS_IN = {"IDENTITY#": "IDENTITY", "PASSKEY#": "PASSKEY"}  # listing sk prefix → the lookup's sk
# Test hook: called with (into_id, old_id, step) just before each move step's transaction.
before_step: Callable[[str, str, int], None] | None = None
CHANGED = "A concurrent change refused this merge step; nothing was written."


def _table() -> str:
    return get_settings().accounts_table


def _s(value: str) -> dict:
    return {"S": value}


def _write(items: list[dict]) -> None:
    assert len(items) <= MAX_ITEMS, len(items)
    client("dynamodb").transact_write_items(TransactItems=items)


def _step_write(items: list[dict]) -> None:
    """A move or finish step: cancelled for any reason (a condition, a conflicting transaction), it is
    Changed and simply planned again; throttled or unreachable, Busy."""
    try:
        with translated(lambda: Changed(CHANGED)):
            _write(items)
    except Exception as error:
        code = getattr(error.__cause__, "response", {}).get("Error", {}).get("Code")
        if code == "TransactionCanceledException":
            raise Changed(CHANGED) from None
        raise


def _record(item: MergeItem) -> MergeRecord:
    return MergeRecord(
        from_id=item.from_id,
        into_id=item.into_id,
        state=item.state,
        proof=item.proof,
        email=item.email,
        created_at=item.created_at,
        moved=tuple(item.moved or ()),
        steps=int(item.steps or 0),
        finished_at=item.finished_at,
    )


def _partition(account_id: str) -> list[dict]:
    """Every item of ACCOUNT#id (strongly consistent, all pages)."""
    items, cursor = [], None
    while True:
        kw = {"ExclusiveStartKey": cursor} if cursor else {}
        with translated():
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


def record(into_id: str, old_id: str) -> MergeRecord | None:
    with translated():
        try:
            return _record(MergeItem.get(f"ACCOUNT#{into_id}", f"MERGE#{old_id}", consistent_read=True))
        except MergeItem.DoesNotExist:
            return None


def running(into_id: str) -> list[MergeRecord]:
    """Merges into this account left running (one Query when there is none)."""
    with translated():
        found = MergeItem.query(f"ACCOUNT#{into_id}", MergeItem.sk.startswith("MERGE#"), consistent_read=True)
        return [_record(m) for m in found if m.state == "running"]


def _now() -> str:
    """The current time as PynamoDB's UTCDateTimeAttribute stores it, so the models read it back."""
    from datetime import UTC, datetime

    from pynamodb.attributes import UTCDateTimeAttribute

    return UTCDateTimeAttribute().serialize(datetime.now(UTC).replace(microsecond=0))


# --- 1. close ------------------------------------------------------------------------------------


def close(into_id: str, old_id: str, proof: str, email: str) -> None:
    from datetime import UTC, datetime

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
        created_at=datetime.now(UTC).replace(microsecond=0),
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
    # throttled or a concurrent transaction: Busy (nothing was written, so a retry may pass)
    with translated(lambda: Changed("That account is already being merged or has changed meanwhile.")):
        _write(items)


# --- 2. move -------------------------------------------------------------------------------------


def _way_in(sk: str) -> str | None:
    """The lookup item's sk when this listing item is an identity or a passkey."""
    return next((lookup for prefix, lookup in WAYS_IN.items() if sk.startswith(prefix)), None)


def step(current: MergeRecord) -> bool:
    """Move the next chunk; False when nothing is left to move."""
    old_id, into_id = current.from_id, current.into_id
    left = [i for i in _partition(old_id) if i["sk"]["S"] != "PROFILE"]
    if not left:
        return False
    theirs = {i["sk"]["S"] for i in _partition(into_id)}
    items: list[dict] = []
    moved: list[str] = []
    ways = {"IDENTITY": 0, "PASSKEY": 0}
    for item in sorted(left, key=lambda i: (not i["sk"]["S"].startswith("EMAIL#"), i["sk"]["S"])):
        sk = item["sk"]["S"]
        lookup = _way_in(sk)
        if sk.startswith("EMAIL#"):
            ops = _move_address(item, old_id, into_id)
        elif lookup is not None:
            ops = _move_way_in(item, lookup, old_id, into_id)
        else:
            ops = _move_other(item, into_id, theirs)
        counted = 1 if (lookup is not None or any(ways.values())) else 0  # the survivor's counts
        if len(items) + len(ops) > MAX_ITEMS - 1 - counted:
            break
        items += ops
        if sk.startswith("EMAIL#"):
            moved.append(item["email"]["S"])
        if lookup is not None:
            ways[lookup] += 1
    if any(ways.values()):
        items.append(ways_in.moved_in(_table(), into_id, ways))
    items.append(_record_step(into_id, old_id, moved))
    if before_step is not None:
        before_step(into_id, old_id, (current.steps or 0) + 1)
    _step_write(items)
    return True


def _record_step(into_id: str, old_id: str, moved: list[str]) -> dict:
    return {
        "Update": {
            "TableName": _table(),
            "Key": {"pk": _s(f"ACCOUNT#{into_id}"), "sk": _s(f"MERGE#{old_id}")},
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


def _move_way_in(item: dict, lookup: str, old_id: str, into_id: str) -> list[dict]:
    """An identity or a passkey: its lookup now names the survivor, its listing moves there."""
    repoint = {
        "Update": {
            "TableName": _table(),
            "Key": {"pk": item["sk"], "sk": _s(lookup)},
            "UpdateExpression": "SET account_id = :into",
            "ConditionExpression": "account_id = :old",
            "ExpressionAttributeValues": {":into": _s(into_id), ":old": _s(old_id)},
        }
    }
    return [repoint, *_relocate(item, into_id)]


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
    with translated():
        found = client("dynamodb").get_item(
            TableName=_table(),
            Key={"pk": _s(f"ACCOUNT#{account_id}"), "sk": _s("PROFILE")},
            ConsistentRead=True,
        )
    return found.get("Item") or {}


def _empty(value: dict | None) -> bool:
    return value is None or "NULL" in value or value in ({"S": ""}, {"L": []}, {"M": {}})


def finish(current: MergeRecord) -> None:
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
                "Key": {"pk": _s(f"ACCOUNT#{current.into_id}"), "sk": _s(f"MERGE#{current.from_id}")},
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
    _step_write(items)
