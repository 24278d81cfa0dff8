"""Shared test configuration: a modest, deterministic hypothesis profile (the machine has 2 cores).

Set ``ROLESCOPE_HYPOTHESIS=explore`` to run ten times the examples with fresh randomness.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "rolescope",
    deadline=None,
    max_examples=200,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    deadline=None,
    max_examples=2000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("explore" if os.environ.get("ROLESCOPE_HYPOTHESIS") == "explore" else "rolescope")
