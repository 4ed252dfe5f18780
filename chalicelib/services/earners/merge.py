"""Merging two earner accounts: the old one's addresses (and so its badges), items and settings move
to the account that proved control of it, and the old account closes. Nothing is lost or doubled.

Badges need no copying: awards are keyed by recipient address and carry their own state (accepted,
rejected, public), so whoever owns the address owns the badge, in whatever state it is in.

The order (each step one transaction of store.accounts; store/dynamo/merge.py writes them):

1. Close: a merge record (running), the old account closed (its sessions end, it cannot sign in, and no
   address can be added to it), while the survivor is open and the address is still verified on the
   old account.
2. Move, in steps: what is left of the old account (addresses first) moves over, each step recorded on
   the merge record; a step that met a concurrent change moved nothing and is planned again.
3. Finish: settings the survivor lacks come from the old profile, and the record is done.

A crash anywhere leaves a running record and an old account that holds exactly what was not moved
yet: `resume` (called by every merge, and by the settings page for records left running) carries on.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chalicelib.errors import Changed, Conflict

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.accounts import MergeRecord

log = logging.getLogger(__name__)
MAX_TRIES = 20


def record(into_id: str, old_id: str, *, store: Store) -> MergeRecord | None:
    return store.accounts.merge_record(into_id, old_id)


def merge(into_id: str, old_id: str, *, proof: str, email: str, store: Store) -> MergeRecord:
    """Merge account `old_id` into `into_id` (the caller has checked the proof). Idempotent."""
    if into_id == old_id:
        raise Conflict("This address is already on your account.")
    if store.accounts.merge_record(into_id, old_id) is None:
        try:
            store.accounts.close_for_merge(into_id, old_id, proof=proof, email=email)
        except Changed:
            if store.accounts.merge_record(into_id, old_id) is None:  # not a repeat of our own close
                raise Conflict(
                    "That account is already being merged or has changed meanwhile. Reload and try again."
                ) from None
    return resume(into_id, old_id, store=store)


def resume(into_id: str, old_id: str, *, store: Store) -> MergeRecord:
    """Carry a merge on from wherever it stopped, until it is done."""
    for _ in range(MAX_TRIES):
        current = store.accounts.merge_record(into_id, old_id)
        if current is None:
            raise Conflict("There is no such merge.")
        if current.state == "done":
            return current
        try:
            if not store.accounts.move_merge_step(current):
                store.accounts.finish_merge(current)
        except Changed:
            log.info("merge %s → %s: a step met a concurrent change; re-planning", old_id, into_id)
    raise Conflict("The merge could not finish because the accounts kept changing. Try again.")


def resume_pending(into_id: str, *, store: Store) -> list[MergeRecord]:
    """Finish any merge into this account that a crash left running (one Query when there is none)."""
    return [resume(m.into_id, m.from_id, store=store) for m in store.accounts.running_merges(into_id)]
