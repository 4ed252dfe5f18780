"""BadgeClassRepository: create, get, patch under the version read, pages by issuer, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import Busy, Changed, Invalid, Taken
from chalicelib.store.badge_classes import BadgeClass

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def badge(n: int = 1, issuer_id: str = "iss1", **changes) -> BadgeClass:
    values = {
        "name": f"Badge {n}",
        "description": "Done it",
        "image_key": f"images/badges/b{n}/x.svg",
        "criteria_narrative": "Do it",
        "tags": ("a", "b"),
        "alignment": ({"targetName": "T", "targetUrl": "https://t.example"},),
        "expires_after": {"days": 30},
    }
    stamp = AT + timedelta(seconds=n)
    values |= {"created_at": stamp, "updated_at": stamp}
    return BadgeClass(id=f"b{n}", issuer_id=issuer_id, **(values | changes))


def test_a_badge_class_reads_back_as_kept(store):
    kept = store.badge_classes.create(badge())
    assert store.badge_classes.get("b1") == kept == badge()
    assert store.badge_classes.get("nope") is None
    plain = store.badge_classes.create(
        badge(2, tags=(), alignment=(), expires_after=None, criteria_url="https://c")
    )
    assert store.badge_classes.get("b2") == plain


def test_the_same_id_is_taken_and_the_first_stays(store):
    store.badge_classes.create(badge())
    with pytest.raises(Taken):
        store.badge_classes.create(badge(name="Other"))
    assert store.badge_classes.get("b1").name == "Badge 1"


def test_a_patch_applies_to_the_version_read_and_refuses_a_stale_one(store):
    read = store.badge_classes.create(badge())
    later = AT + timedelta(hours=1)
    patched = store.badge_classes.patch(read, {"name": "New", "tags": ["x"], "issuer_id": "evil"}, later)
    assert (patched.name, patched.tags, patched.updated_at, patched.issuer_id) == (
        "New",
        ("x",),
        later,
        "iss1",
    )
    assert patched.description == "Done it"
    assert store.badge_classes.get("b1") == patched
    with pytest.raises(Changed):
        store.badge_classes.patch(read, {"name": "Stale"}, later + timedelta(hours=1))
    with pytest.raises(Changed):
        store.badge_classes.patch(badge(issuer_id="other", updated_at=later), {"name": "Theirs"}, later)
    with pytest.raises(Changed):
        store.badge_classes.patch(badge(9), {"name": "Ghost"}, later)
    assert store.badge_classes.get("b1").name == "New"
    assert store.badge_classes.get("b9") is None


def test_get_many_answers_the_classes_that_exist(store):
    store.badge_classes.create(badge(1))
    store.badge_classes.create(badge(2, issuer_id="iss2"))
    assert {k: v.issuer_id for k, v in store.badge_classes.get_many(["b1", "b2", "b3"]).items()} == {
        "b1": "iss1",
        "b2": "iss2",
    }
    assert store.badge_classes.get_many([]) == {}


def test_pages_run_newest_first_across_cursors_and_only_the_issuers(store):
    for n in range(1, 6):
        store.badge_classes.create(badge(n))
    store.badge_classes.create(badge(6, issuer_id="iss2"))
    seen, cursor = [], None
    for _ in range(5):
        items, cursor = store.badge_classes.page("iss1", limit=2, cursor=cursor)
        seen.extend(b.id for b in items)
        if cursor is None:
            break
    assert seen == ["b5", "b4", "b3", "b2", "b1"]
    assert store.badge_classes.page("iss1", limit=10, cursor=None) == (
        [badge(n) for n in (5, 4, 3, 2, 1)],
        None,
    )


def test_a_cursor_of_another_issuer_or_forged_is_invalid(store):
    for n in range(1, 4):
        store.badge_classes.create(badge(n))
    _, cursor = store.badge_classes.page("iss1", limit=1, cursor=None)
    assert cursor
    with pytest.raises(Invalid):
        store.badge_classes.page("iss2", limit=1, cursor=cursor)
    for forged in ("not base64!", "bnVsbA==", "e30="):
        with pytest.raises(Invalid):
            store.badge_classes.page("iss1", limit=1, cursor=forged)


def test_a_busy_store_writes_nothing_and_says_busy(store, refuse_next):
    refuse_next()
    with pytest.raises(Busy):
        store.badge_classes.create(badge())
    assert store.badge_classes.get("b1") is None
    read = store.badge_classes.create(badge())
    refuse_next()
    with pytest.raises(Busy):
        store.badge_classes.patch(read, {"name": "New"}, AT + timedelta(hours=1))
    assert store.badge_classes.get("b1") == read
