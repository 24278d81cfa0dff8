"""Role sessions in the credential cache: names built the AWS CLI's way from everything that makes a
session differ, entries read as untrusted files, written 0600."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.credentials import AssumeRoleCredentialFetcher, Credentials
from tests.auth.fakes import Clock, FakeSts

from rolescope.auth.assume import RoleSettings, role_credentials, session_key
from rolescope.auth.role_cache import SessionKey, cache_name
from rolescope.auth.session import CliCache

ROLE = "arn:aws:iam::444455556666:role/RolescopeAudit"
SERIAL = "arn:aws:iam::111122223333:mfa/alice"
CALLER = "AKIAFAKEBASE"


def test_names_are_built_the_aws_cli_way() -> None:
    """The SHA-1 of the sorted JSON arguments, as botocore's AssumeRoleCredentialFetcher names its entries."""
    arguments = {"RoleSessionName": "audit", "ExternalId": "tenant-42", "DurationSeconds": 1800}
    botocore_name = AssumeRoleCredentialFetcher(None, None, ROLE, extra_args=arguments)._cache_key
    assert cache_name({**arguments, "RoleArn": ROLE}) == botocore_name


def test_every_setting_that_changes_the_session_changes_the_name() -> None:
    base = session_key(ROLE, RoleSettings(), CALLER)
    variants = [
        session_key(ROLE, RoleSettings(), "AKIAOTHERCALLER"),
        session_key("arn:aws:iam::444455556666:role/Other", RoleSettings(), CALLER),
        session_key(ROLE, RoleSettings(session_name="other"), CALLER),
        session_key(ROLE, RoleSettings(external_id="tenant-42"), CALLER),
        session_key(ROLE, RoleSettings(duration=1800), CALLER),
        session_key(ROLE, RoleSettings(mfa_serial=SERIAL), CALLER),
        session_key(ROLE, RoleSettings(), CALLER, mfa_device=SERIAL),
        session_key(ROLE, RoleSettings(), CALLER, mfa_device="arn:aws:iam::111122223333:mfa/bob"),
    ]
    names = [key.name for key in [base, *variants]]
    assert len(set(names)) == len(names) - 1  # all differ but the two ways of giving the same device
    assert session_key(ROLE, RoleSettings(), CALLER).name == base.name
    # the device on AssumeRole or behind an MFA session: the same MFA-backed session
    assert variants[5].name == variants[6].name


def issued(clock: Clock, minutes: int = 60) -> dict[str, Any]:
    return {"Credentials": {"AccessKeyId": "ASIACACHED", "SecretAccessKey": "s", "SessionToken": "t",
                            "Expiration": (clock() + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SUTC")}}


@pytest.mark.parametrize("content", [
    "not json", "[]", "{}", '{"Credentials": []}', '{"Credentials": {"AccessKeyId": "A"}}',
    '{"Credentials": {"AccessKeyId": 1, "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "x"}}',
    '{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "soon"}}',
])
def test_a_damaged_entry_is_a_miss_and_is_replaced(tmp_path: Path, content: str) -> None:
    clock = Clock()
    sts = FakeSts(clock)
    directory = tmp_path / "cache"
    directory.mkdir()
    key = session_key(ROLE, RoleSettings(), CALLER)
    entry = directory / f"{key.name}.json"
    entry.write_text(content)
    credentials = role_credentials(sts.creator, Credentials(CALLER, "s"), ROLE, RoleSettings(), CliCache(directory),
                                   lambda _: "", clock, caller=CALLER)
    assert credentials.get_frozen_credentials().access_key == "ASIAFAKE0000"
    assert json.loads(entry.read_text())["Credentials"]["AccessKeyId"] == "ASIAFAKE0000"


def test_entries_are_0600_even_when_they_replace_a_readable_file(tmp_path: Path) -> None:
    clock = Clock()
    sts = FakeSts(clock)
    directory = tmp_path / "cache"
    directory.mkdir()
    key = SessionKey(CALLER, ROLE, RoleSettings().assume_role_args())
    entry = directory / f"{key.name}.json"
    entry.write_text(json.dumps(issued(clock, minutes=5)))  # too close to its end to be used
    os.chmod(entry, 0o644)
    credentials = role_credentials(sts.creator, Credentials(CALLER, "s"), ROLE, RoleSettings(), CliCache(directory),
                                   lambda _: "", clock, caller=CALLER)
    credentials.get_frozen_credentials()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert [p.name for p in directory.iterdir()] == [entry.name]  # no temporary file left behind
    clock.advance(minutes=50)  # renewed: written again, still 0600
    credentials.get_frozen_credentials()
    assert len(sts.named("AssumeRole")) == 2 and stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_a_fresh_entry_is_used_without_a_call(tmp_path: Path) -> None:
    clock = Clock()
    sts = FakeSts(clock)
    cache = CliCache(tmp_path / "cache")
    cache[session_key(ROLE, RoleSettings(), CALLER).name] = issued(clock)
    credentials = role_credentials(sts.creator, Credentials(CALLER, "s"), ROLE, RoleSettings(), cache,
                                   lambda _: "", clock, caller=CALLER)
    assert credentials.get_frozen_credentials().access_key == "ASIACACHED"
    assert sts.calls == []
