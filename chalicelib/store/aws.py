"""Lazily created, cached boto3 clients. The endpoint comes from AWS_ENDPOINT_URL (moto locally)."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import boto3  # lazy: cold start is a feature

    return boto3.session.Session().client(service)


def reset() -> None:
    """Forget cached clients (tests switch between in-process and server moto)."""
    client.cache_clear()
