"""The clients' retry settings: attempts and mode, and what the environment may change."""

from __future__ import annotations

import pytest

from rolescope.auth.clients import MAX_ATTEMPTS, client_config


def test_standard_retries_with_ten_attempts_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    assert client_config().retries == {"mode": "standard", "max_attempts": MAX_ATTEMPTS}


@pytest.mark.parametrize(("given", "mode"), [("adaptive", "adaptive"), (" Legacy ", "legacy"),
                                             ("standard", "standard"), ("turbo", "standard"), ("", "standard")])
def test_aws_retry_mode_chooses_a_known_mode(monkeypatch: pytest.MonkeyPatch, given: str, mode: str) -> None:
    monkeypatch.setenv("AWS_RETRY_MODE", given)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    assert client_config().retries == {"mode": mode, "max_attempts": 3}
