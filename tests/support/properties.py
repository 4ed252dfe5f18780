"""Hypothesis profiles for the property tests (tests/unit/test_properties.py)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# The property tests run under this profile: derandomized, so every run tries
# the same examples and a failure in CI reproduces locally. LAUREL_HYPOTHESIS=explore searches afresh.
# Timing health checks are off: on a shared 2-core machine generation speed says nothing about the code.

QUIET = {"deadline": None, "print_blob": True, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("laurel-ci", derandomize=True, database=None, **QUIET)
settings.register_profile("laurel-explore", derandomize=False, **QUIET)
PROPERTY_PROFILE = settings.get_profile(os.environ.get("LAUREL_HYPOTHESIS", "laurel-ci"))
