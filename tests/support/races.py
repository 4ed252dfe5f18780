"""Racing calls for the contract suite: the same store methods started together on threads.

DynamoDB runs each call, transactions included, atomically (serializably per item); moto in-process does
not (two TransactWriteItems on threads interleave inside moto and both pass), so on DynamoDB the calls go
to moto one at a time, in whatever order the threads reach it. The memory store has its own lock. What
the race then tests is ours: decisions taken from the same state, of which the store lets only the right
number pass."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ExitStack
from unittest import mock


def race(store, calls: list[Callable[[], object]]) -> list[object]:
    """Run `calls` at once; each one's answer, or the class name of what it raised, in order."""
    outcomes: list[object] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(n: int, call: Callable[[], object]) -> None:
        start.wait()
        try:
            outcomes[n] = call()
        except Exception as error:
            outcomes[n] = type(error).__name__

    with ExitStack() as stack:
        if not hasattr(store, "db"):
            stack.enter_context(_one_call_at_a_time())
        threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return outcomes


def _one_call_at_a_time():
    from botocore.client import BaseClient

    original, lock = BaseClient._make_api_call, threading.Lock()

    def call(client, operation, params):
        with lock:
            return original(client, operation, params)

    return mock.patch.object(BaseClient, "_make_api_call", call)


def parallel(n: int, work: Callable[[], object]) -> list[str]:
    """Run `work` on `n` threads started together (a barrier): "ok" or the class name of what each raised,
    in the order they ended. For rule tests whose store keeps its own lock (memory) or is serialised."""
    barrier, results = threading.Barrier(n), []

    def run() -> None:
        barrier.wait()
        try:
            work()
            results.append("ok")
        except Exception as error:
            results.append(type(error).__name__)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
