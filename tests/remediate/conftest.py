"""A moto server on a loopback port for the remediation tests: one per session, reset before each test.

rolescope reaches it as a user's AWS CLI would: ``AWS_ENDPOINT_URL``, fake credentials, and no
config or credentials file of the machine it runs on. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import pytest
from tests.live.fakeaws import MotoServers
from tests.report.conftest import _demo_document, demo_document, demo_result  # noqa: F401 - shared fixtures

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",  # moto derives the account from the key: 123456789012
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}
ACCOUNT = "123456789012"


@pytest.fixture(scope="session")
def moto_endpoint(moto_servers: MotoServers) -> str:
    """The suite's moto server without managed policies (reset before each test: see :class:`MotoServers`)."""
    return moto_servers.get(managed_policies=False).url


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """A fresh moto state and the environment a subprocess needs to reach it; also set in this process."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    opener.open(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST"), timeout=10).close()
    home = tmp_path / "home"
    home.mkdir()
    env = dict(FAKE_ENV, AWS_ENDPOINT_URL=moto_endpoint, HOME=str(home),
               AWS_CONFIG_FILE=str(home / "config"), AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"))
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
                "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **env}
