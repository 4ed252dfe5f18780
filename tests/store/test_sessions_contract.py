"""SessionRepository: kept, read back, moved only while it lives, ended; busy is Busy on both stores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.errors import Busy, Changed
from chalicelib.store.sessions import Session

AT = datetime(2026, 1, 1, tzinfo=UTC)


def session(token_hash: str = "h1", **kw) -> Session:
    return Session(token_hash, "acc1", 2, AT, 5000, **{"idle_until": 1800, "signed_in_at": 100, **kw})


def test_a_session_is_kept_and_read_back(store):
    store.sessions.start(session(keep=True))
    assert store.sessions.get("h1") == session(keep=True)
    assert store.sessions.get("h2") is None


def test_slide_and_confirm_move_a_live_session(store):
    store.sessions.start(session())
    store.sessions.slide("h1", 2000)
    assert store.sessions.get("h1").idle_until == 2000
    store.sessions.confirm("h1", signed_in_at=900, idle_until=2700)
    assert store.sessions.get("h1") == session(idle_until=2700, signed_in_at=900)


def test_an_ended_session_is_gone_and_cannot_be_moved(store):
    store.sessions.start(session())
    store.sessions.end("h1")
    store.sessions.end("h1")
    assert store.sessions.get("h1") is None
    with pytest.raises(Changed):
        store.sessions.slide("h1", 2000)
    with pytest.raises(Changed):
        store.sessions.confirm("h1", signed_in_at=900, idle_until=2700)
    assert store.sessions.get("h1") is None  # an update never brings it back


def test_a_busy_store_moves_nothing(store, refuse_next):
    store.sessions.start(session())
    refuse_next()
    with pytest.raises(Busy):
        store.sessions.slide("h1", 2000)
    refuse_next()
    with pytest.raises(Busy):
        store.sessions.start(session("h2"))
    assert store.sessions.get("h1") == session()
    assert store.sessions.get("h2") is None
