"""The in-memory database under every memory repository: named tables of frozen values, transactions
that apply all or nothing, and injected faults (the next write refused as busy)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalicelib.errors import Busy

BUSY = "The store is busy; nothing was written. Try again in a few seconds."


class Faults:
    """Writes to refuse next, as DynamoDB does when throttled or when transactions conflict."""

    def __init__(self) -> None:
        self.busy = 0

    def busy_next(self, writes: int = 1) -> None:
        self.busy += writes

    def check(self) -> None:
        if self.busy:
            self.busy -= 1
            raise Busy(BUSY)


class Database:
    """Tables of values by key. Values are frozen: a change replaces one, so a rollback only has to
    put back the tables' previous dicts."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[Any, Any]] = {}
        self._lock = threading.RLock()
        self._saved: list[dict[str, dict[Any, Any]]] = []
        self.faults = Faults()

    def table(self, name: str) -> dict[Any, Any]:
        """The live dict of a table; inside a transaction, a copy that is kept only if it commits."""
        tables = self._tables
        if self._saved and name not in self._saved[-1]:
            self._saved[-1][name] = tables.get(name, {})
            tables[name] = dict(tables.get(name, {}))
        return tables.setdefault(name, {})

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write: checks and changes inside it apply together or not at all (a raised error, a
        failed condition, an injected fault). Nested transactions join the outer one."""
        with self._lock:
            if self._saved:
                yield
                return
            self.faults.check()
            self._saved.append({})
            try:
                yield
            except BaseException:
                for name, before in self._saved[-1].items():
                    self._tables[name] = before
                raise
            finally:
                self._saved.pop()
