"""Shared test configuration: a modest, deterministic hypothesis profile (the machine has 2 cores).

Set ``ROLESCOPE_HYPOTHESIS=explore`` to run ten times the examples with fresh randomness.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from tests.live.fakeaws import MotoServer, MotoServers

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

# Fixtures that start or reach the moto server, and the folders whose tests are slow by nature: each test
# is marked by what it needs, so ``make test-fast`` (``-m "not aws and not browser and not slow"``)
# runs the unit tests alone.
_AWS_FIXTURES = frozenset({"moto_servers", "moto_endpoint", "moto_server", "aws", "world", "proxy", "session_proxy",
                           "rolescope"})
_FOLDER_MARKERS = {"browser": "browser", "bench": "slow", "live": "aws", "workers": "process"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    for item in items:
        if _AWS_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.aws)
        folder = item.path.relative_to(tests).parts[0] if item.path.is_relative_to(tests) else ""
        if folder in _FOLDER_MARKERS:
            item.add_marker(getattr(pytest.mark, _FOLDER_MARKERS[folder]))


@pytest.fixture(scope="session")
def moto_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServers]:
    servers = MotoServers(tmp_path_factory.mktemp("moto"))
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def moto_server(moto_servers: MotoServers) -> MotoServer:
    """The moto server with AWS's managed policies (the live tests' organisation)."""
    return moto_servers.get(managed_policies=True)
