"""The profile's count of ways in without a password (`ways_in`: identities + passkeys; `passkeys`:
passkeys alone), moved in the same transaction as the identity or passkey it counts. Adding one needs an
open account; taking one away needs a password or another way in left, checked by DynamoDB on the item
every racing removal writes, so two removals cannot both pass on the last two."""

from __future__ import annotations

from chalicelib.store.dynamo.models import AccountItem


def _profile(account_id: str) -> AccountItem:
    return AccountItem(f"ACCOUNT#{account_id}", "PROFILE")


def one_more(tx, account_id: str, *, passkeys_below: int | None = None) -> None:
    """In `tx`: one more way in (a passkey when `passkeys_below` is given: only while fewer are kept)."""
    open_account = (
        AccountItem.pk.exists()
        & AccountItem.merged_into.does_not_exist()
        & AccountItem.closed_at.does_not_exist()
    )
    actions = [AccountItem.ways_in.add(1)]
    if passkeys_below is not None:
        room = AccountItem.passkeys.does_not_exist() | (AccountItem.passkeys < passkeys_below)
        open_account &= room
        actions.append(AccountItem.passkeys.add(1))
    tx.update(_profile(account_id), actions=actions, condition=open_account)


def one_fewer(tx, account_id: str, *, passkey: bool = False) -> None:
    """In `tx`: one way in fewer, refused when it is the last (no password, no other way in)."""
    actions = [AccountItem.ways_in.add(-1)]
    if passkey:
        actions.append(AccountItem.passkeys.add(-1))
    another = AccountItem.password_hash.exists() | (AccountItem.ways_in > 1)
    tx.update(_profile(account_id), actions=actions, condition=another)


def moved_in(table: str, into_id: str, ways: dict[str, int]) -> dict:
    """A raw transaction item for a merge step: the survivor's counts go up by the identities
    (ways["IDENTITY"]) and passkeys (ways["PASSKEY"]) the step moved over."""
    return {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": f"ACCOUNT#{into_id}"}, "sk": {"S": "PROFILE"}},
            "UpdateExpression": "ADD ways_in :ways, passkeys :passkeys",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": {
                ":ways": {"N": str(sum(ways.values()))},
                ":passkeys": {"N": str(ways["PASSKEY"])},
            },
        }
    }
