"""Lazily created, cached boto3 clients. The endpoint comes from AWS_ENDPOINT_URL (moto locally)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import boto3  # lazy: cold start is a feature

    return boto3.session.Session().client(service)


def reset() -> None:
    """Forget cached clients (tests switch between in-process and server moto)."""
    client.cache_clear()


# AWS error codes that mean "not now": throttling, a conflicting transaction, a brief outage.
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "ThrottlingError",
        "RequestLimitExceeded",
        "RequestThrottled",
        "TooManyRequestsException",
        "SlowDown",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "TransactionConflict",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)


def _chain(error: BaseException):
    """The error and what it wraps (PynamoDB's `.cause`, `raise ... from`); never an unrelated context."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = getattr(error, "cause", None) or error.__cause__


def _answer(error: BaseException) -> tuple[str, list] | None:
    """(error code, transaction cancellation reason codes) of the AWS answer behind an error, if any."""
    for link in _chain(error):
        response = getattr(link, "response", None)
        if isinstance(response, dict) and "Error" in response:
            reasons = getattr(link, "cancellation_reasons", None)  # PynamoDB's, else botocore's dicts
            if reasons is not None:
                codes = [getattr(r, "code", None) for r in reasons]
            else:
                codes = [r.get("Code") for r in response.get("CancellationReasons", [])]
            return response["Error"].get("Code", ""), codes
    return None


def refused_for_now(error: BaseException) -> bool:
    """AWS answered "not now" (throttled, conflict, outage): the call changed nothing; a retry may pass."""
    answer = _answer(error)
    if answer is None:
        return False
    code, reasons = answer
    if code == "TransactionCanceledException":  # cancelled only by throttling or conflicts, not conditions
        real = [r for r in reasons if r not in (None, "None")]
        return bool(real) and all(r in TRANSIENT_CODES for r in real)
    return code in TRANSIENT_CODES


def transient(error: BaseException) -> bool:
    """A retry a little later may succeed: AWS refused for now, or could not be reached in time."""
    from botocore.exceptions import ConnectionError, HTTPClientError  # lazy: only on the error path

    if refused_for_now(error):
        return True
    return any(isinstance(link, ConnectionError | HTTPClientError) for link in _chain(error))


@contextmanager
def refusing(refusal: Callable[[], Exception]) -> Iterator[None]:
    """Turn a write whose condition failed (an address taken, a record changed) into `refusal()`.

    Anything else — a transaction cancelled by a conflicting one or by throttling, an outage — is
    re-raised untouched, so the web layer answers it with the 503 + Retry-After of a busy store.
    """
    try:
        yield
    except Exception as error:
        if not condition_failed(error):
            raise
        raise refusal() from None


def condition_failed(error: BaseException) -> bool:
    """A write or transaction was refused because one of its conditions did not hold."""
    answer = _answer(error)
    if answer is None:
        return False
    code, reasons = answer
    if code == "TransactionCanceledException":
        return "ConditionalCheckFailed" in reasons
    return code == "ConditionalCheckFailedException"
