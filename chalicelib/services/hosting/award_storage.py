"""What hosting still reads and writes of an award on PynamoDB, until the awards repository lands.

The status list index of an award (OB 3.0 revocation) is given on its first credential request: counted
in the issuer keys repository (`store.issuer_keys.next_status_index`), then set on the award with a
condition; revoke's condition and bit join revoke's transaction; a baked file is checked against a
consistent read of its award. When store/awards.py (engineer B) lands, these move into it as named
methods (the bit through store/dynamo/issuer_keys.add_revoked_bit) and this module goes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.errors import NotFound
from chalicelib.openbadges import ob3
from chalicelib.services.issuing import awards
from chalicelib.store import aws, given
from chalicelib.store.dynamo.issuer_keys import add_revoked_bit
from chalicelib.store.models import AssertionItem, transaction

if TYPE_CHECKING:
    from chalicelib.store import Store

LIST_SIZE = ob3.STATUS_LIST_SIZE


def status_index(item: AssertionItem, *, store: Store) -> int:
    """The award's status list index, given now if it has none (a revoked award gets its bit set)."""
    if item.status_index is not None:
        return int(item.status_index)
    index = store.issuer_keys.next_status_index(item.issuer_id)
    if item.state != "revoked":
        try:
            item.update(
                actions=[AssertionItem.status_index.set(index)],
                condition=AssertionItem.status_index.does_not_exist()
                & AssertionItem.state.is_in(*awards.ACTIVE_STATES),
            )
            return index
        except UpdateError as error:
            if not aws.condition_failed(error):
                raise  # throttled: nothing written; the revoked-award path below must not run
            item.refresh()  # another request gave it an index, or it was revoked meanwhile
            if item.status_index is not None:
                return int(item.status_index)
            if item.state != "revoked":
                raise NotFound(f"No credential {item.id}.") from None  # erased meanwhile
    # Revoked before any credential was requested: the index and its bit are written together.
    try:
        with transaction() as tx:
            tx.update(
                item,
                actions=[AssertionItem.status_index.set(index)],
                condition=AssertionItem.status_index.does_not_exist(),
            )
            add_revoked_bit(tx, item.issuer_id, index, LIST_SIZE)
    except TransactWriteError:
        item.refresh()
        if item.status_index is None:
            raise
        return int(item.status_index)
    item.status_index = index
    return index


def revoke_condition(item: AssertionItem):
    """For revoke's update of the award: its status index is still what revoke read (None included), so a
    credential request giving it an index meanwhile cancels the revoke, which then retries with the index."""
    if item.status_index is None:
        return AssertionItem.status_index.does_not_exist()
    return AssertionItem.status_index == item.status_index


def revoke_bit(tx, item: AssertionItem) -> None:
    """Inside revoke's transaction: set the award's status list bit, if it has an index."""
    if item.status_index is not None:
        add_revoked_bit(tx, item.issuer_id, int(item.status_index), LIST_SIZE)


def still_hosted(item, *, store: Store | None = None) -> bool:
    """Whether the award still exists and is not erased (one strongly consistent GetItem)."""
    found = given(store).awards.get(item.id, consistent=True)
    return found is not None and found.state != "erased"
