"""botocore's answers in the store's words, decided here once for every repository.

A write whose condition failed becomes the repository's refusal (Taken or Changed: the service says
which in its own words); AWS refusing for now (throttled, a conflicting transaction, an outage) or
out of reach becomes Busy, never "taken": a busy table once read as "address taken" in a copy of this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from chalicelib.errors import Busy, Changed, LaurelError
from chalicelib.store.aws import condition_failed, transient

BUSY = "The store is busy; nothing was written. Try again in a few seconds."


@contextmanager
def translated(
    refusal: Callable[[], Exception] = lambda: Changed("The record changed meanwhile."),
) -> Iterator[None]:
    """Run DynamoDB calls; a failed condition raises `refusal()`, a busy or unreachable AWS raises Busy."""
    try:
        yield
    except LaurelError:
        raise
    except Exception as error:
        if condition_failed(error):
            raise refusal() from None
        if transient(error):
            raise Busy(BUSY) from error
        raise


def failed_at(error: BaseException, place: int) -> bool:
    """Whether the item at `place` of a refused TransactWriteItems is one whose condition failed (a
    transaction answers one reason per item, in the order sent)."""
    found = getattr(error, "cancellation_reasons", None) or []
    return len(found) > place and getattr(found[place], "code", None) == "ConditionalCheckFailed"
