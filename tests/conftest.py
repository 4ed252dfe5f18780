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

# Property tests (tests/unit/test_properties.py) run under this profile: derandomized, so every run tries
# the same examples and a failure in CI reproduces locally. LAUREL_HYPOTHESIS=explore searches afresh.
# Timing health checks are off: on a shared 2-core machine generation speed says nothing about the code.
from hypothesis import HealthCheck, settings  # noqa: E402

QUIET = {"deadline": None, "print_blob": True, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("laurel-ci", derandomize=True, database=None, **QUIET)
settings.register_profile("laurel-explore", derandomize=False, **QUIET)
PROPERTY_PROFILE = settings.get_profile(os.environ.get("LAUREL_HYPOTHESIS", "laurel-ci"))
