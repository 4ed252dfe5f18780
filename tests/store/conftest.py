"""The contract suite: every test here runs twice, on the in-memory store and on DynamoDB (in-process
moto), and must see the same answers; that is what keeps the memory store honest.

`refuse_next(store)` makes the next write refused as a busy DynamoDB refuses it (throttled), on both.
"""

from __future__ import annotations

import contextlib

import pytest


@pytest.fixture(params=["memory", "dynamo"])
def store(request):
    if request.param == "memory":
        from chalicelib.store.memory import MemoryStore

        yield MemoryStore()
        return
    from moto import mock_aws

    from chalicelib.store import aws
    from chalicelib.store.dynamo import DynamoStore
    from chalicelib.store.dynamo.models import reset_connections
    from local.bootstrap import bootstrap

    with mock_aws():
        aws.reset()
        reset_connections()
        bootstrap(None)
        yield DynamoStore()


@pytest.fixture
def refuse_next(store):
    """Call it to have the next write refused for now (busy), whichever store this is."""
    with contextlib.ExitStack() as stack:

        def refuse(writes: int = 1, *, conflict: bool = False) -> None:
            if hasattr(store, "db"):
                store.db.faults.busy_next(writes)
                return
            from tests.support.faults import Fault, inject

            kind = (
                Fault("*", code="TransactionCanceledException", reasons="TransactionConflict", times=writes)
                if conflict
                else Fault("*", times=writes)
            )
            kind.when = None
            stack.enter_context(inject(kind))

        yield refuse
