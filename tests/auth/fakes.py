"""Fakes for the auth layer: a clock, an STS client, and a caller session. No network."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.credentials import Credentials

from rolescope.auth.clients import CallCounter
from rolescope.auth.session import ProfileInfo

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class FakeSts:
    """STS that issues numbered credentials valid for the requested duration, on the fake clock."""

    clock: Clock
    caller_arn: str = "arn:aws:iam::111122223333:user/alice"
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _issue(self, seconds: int) -> dict[str, Any]:
        number = len(self.calls) - 1
        return {"AccessKeyId": f"ASIAFAKE{number:04d}", "SecretAccessKey": f"secret-{number}",
                "SessionToken": f"token-{number}", "Expiration": self.clock() + timedelta(seconds=seconds)}

    def assume_role(self, **kwargs: Any) -> dict[str, Any]:
        with self.lock:
            self.calls.append(("AssumeRole", kwargs))
            account = kwargs["RoleArn"].split(":")[4]
            name = kwargs["RoleArn"].rsplit("/", 1)[-1]
            return {"Credentials": self._issue(kwargs.get("DurationSeconds", 3600)),
                    "AssumedRoleUser": {"Arn": f"arn:aws:sts::{account}:assumed-role/{name}/"
                                               f"{kwargs['RoleSessionName']}"}}

    def get_session_token(self, **kwargs: Any) -> dict[str, Any]:
        with self.lock:
            self.calls.append(("GetSessionToken", kwargs))
            return {"Credentials": self._issue(kwargs.get("DurationSeconds", 43200))}

    def get_caller_identity(self) -> dict[str, Any]:
        with self.lock:
            self.calls.append(("GetCallerIdentity", {}))
        return {"Account": self.caller_arn.split(":")[4], "Arn": self.caller_arn, "UserId": "AIDAFAKE"}

    def named(self, action: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == action]

    def creator(self, service: str, **kwargs: Any) -> FakeSts:
        assert service == "sts"
        return self


@dataclass
class FakeBase:
    """Stands in for :class:`rolescope.auth.session.BaseSession`: long-term keys, a fake STS."""

    sts: FakeSts
    info: ProfileInfo = field(default_factory=lambda: ProfileInfo("default"))
    profile: str = "default"
    region: str | None = "us-east-1"
    keys: Any = field(default_factory=lambda: Credentials("AKIAFAKEBASE", "base-secret"))
    made: list[str] = field(default_factory=list)

    def credentials(self) -> Any:
        return self.keys

    def create_client(self, service: str, counter: CallCounter | None = None, region: str | None = None,
                      **kwargs: Any) -> FakeSts:
        self.made.append(kwargs.get("aws_access_key_id") or self.keys.access_key)
        if counter is not None:
            counter.operations["AssumeRole" if kwargs else "GetCallerIdentity"] += 1
        return self.sts

    def session_with(self, credentials: Any, region: str | None = None) -> Any:
        return credentials


class Person:
    """Answers every prompt with ``answer``, and remembers the prompts and whether they were secret."""

    def __init__(self, answer: str = "123456") -> None:
        self.answer = answer
        self.prompts: list[str] = []
        self.secret: list[bool] = []

    def __call__(self, prompt: str, secret: bool) -> str:
        self.prompts.append(prompt)
        self.secret.append(secret)
        return self.answer
