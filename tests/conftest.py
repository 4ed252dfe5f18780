"""Test-wide settings: fixed before any chalicelib import (models read settings at import)."""

import os

for name, value in {
    "STAGE": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "PUBLIC_BASE_URL": "https://badges.example",
}.items():
    os.environ.setdefault(name, value)
os.environ.pop("AWS_ENDPOINT_URL", None)
