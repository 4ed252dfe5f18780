"""The award writes and reads hosting makes, through the awards repository: an award's OB 3.0 status
list index, given on its first credential request (counted in the issuer keys, then set on the award
with a condition; a revoked award gets its bit in the same write), and whether a baked file's award is
still hosted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.errors import Changed, NotFound

if TYPE_CHECKING:
    from chalicelib.store import Store


def status_index(item, *, store: Store) -> int:
    """The award's status list index, given now if it has none (a revoked award gets its bit set)."""
    if item.status_index is not None:
        return int(item.status_index)
    index = store.issuer_keys.next_status_index(item.issuer_id)
    if item.state != "revoked":
        try:
            return int(store.awards.give_status_index(item, index).status_index)
        except Changed:  # another request gave it an index, or it was revoked (or erased) meanwhile
            current = store.awards.get(item.id)
            if current is not None and current.status_index is not None:
                return current.status_index
            if current is None or current.state != "revoked":
                raise NotFound(f"No credential {item.id}.") from None  # erased meanwhile
            item = current
    # Revoked before any credential was requested: the index and its bit are written together.
    try:
        return int(store.awards.give_status_index(item, index).status_index)
    except Changed:
        current = store.awards.get(item.id)
        if current is None or current.status_index is None:
            raise
        return current.status_index


def still_hosted(item, *, store: Store) -> bool:
    """Whether the award still exists and is not erased (one strongly consistent read)."""
    current = store.awards.get(item.id, consistent=True)
    return current is not None and current.state != "erased"
