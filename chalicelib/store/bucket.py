"""The S3 bucket: badge images and baked assertions (the `images` part of a Store; chalicelib/images.py
is what checks an image before it gets here)."""

from __future__ import annotations

from chalicelib.config import get_settings
from chalicelib.store.aws import client


def put(key: str, data: bytes, content_type: str) -> None:
    client("s3").put_object(Bucket=get_settings().bucket, Key=key, Body=data, ContentType=content_type)


def get(key: str) -> bytes | None:
    """The object's bytes, or None when it does not exist."""
    s3 = client("s3")
    try:
        return s3.get_object(Bucket=get_settings().bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None


def delete(keys: list[str]) -> None:
    if keys:
        client("s3").delete_objects(
            Bucket=get_settings().bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
        )
