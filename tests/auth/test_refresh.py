"""Assumed-role credentials: fetched on first use, renewed before expiry, cached in the AWS CLI's files,
and MFA asked once per run."""

from __future__ import annotations

import json
import stat
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.credentials import Credentials
from tests.auth.fakes import Clock, FakeSts, Person

from rolescope.auth.assume import (
    RoleSettings,
    credentials_expiry,
    mfa_session_credentials,
    renewal_windows,
    role_credentials,
    session_key,
)
from rolescope.auth.errors import MfaError
from rolescope.auth.mfa import MfaPrompter
from rolescope.auth.session import CliCache

ROLE = "arn:aws:iam::444455556666:role/RolescopeAudit"
SERIAL = "arn:aws:iam::111122223333:mfa/alice"
SOURCE = Credentials("AKIAFAKEBASE", "base-secret")


def never_asked(prompt: str) -> str:
    raise AssertionError(f"asked: {prompt}")


def assume(sts: FakeSts, clock: Clock, settings: RoleSettings | None = None, cache: dict[str, Any] | None = None,
           prompter: Any = never_asked) -> Any:
    return role_credentials(sts.creator, SOURCE, ROLE, settings or RoleSettings(), {} if cache is None else cache,
                            prompter, clock, caller=SOURCE.access_key)


def test_nothing_is_called_until_the_credentials_are_used() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    credentials = assume(sts, clock)
    assert sts.calls == []
    frozen = credentials.get_frozen_credentials()
    assert frozen.access_key == "ASIAFAKE0000"
    assert len(sts.named("AssumeRole")) == 1


def test_assume_role_parameters_sent() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    settings = RoleSettings(session_name="nightly-audit", external_id="tenant-42", duration=7200)
    assume(sts, clock, settings).get_frozen_credentials()
    assert sts.named("AssumeRole") == [{"RoleArn": ROLE, "RoleSessionName": "nightly-audit",
                                        "ExternalId": "tenant-42", "DurationSeconds": 7200}]


def test_renewed_before_expiry_and_not_before_the_window() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    credentials = assume(sts, clock)  # 1 h sessions: renew 15 min ahead, as botocore does
    first = credentials.get_frozen_credentials()
    clock.advance(minutes=44)
    assert credentials.get_frozen_credentials().access_key == first.access_key
    assert len(sts.named("AssumeRole")) == 1
    clock.advance(minutes=2)  # 14 minutes left
    renewed = credentials.get_frozen_credentials()
    assert renewed.access_key != first.access_key
    assert len(sts.named("AssumeRole")) == 2
    assert credentials_expiry(credentials) == clock() + timedelta(hours=1)


def test_a_long_scan_keeps_working_across_many_sessions() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    credentials = assume(sts, clock)
    keys = set()
    for _ in range(6 * 60):  # six hours, a call a minute
        frozen = credentials.get_frozen_credentials()
        expiry = credentials_expiry(credentials)
        assert expiry is not None and expiry - clock() > timedelta(minutes=9)
        keys.add(frozen.access_key)
        clock.advance(minutes=1)
    assert 6 <= len(sts.named("AssumeRole")) <= 8
    assert len(keys) == len(sts.named("AssumeRole"))


def test_short_sessions_are_not_renewed_on_every_call() -> None:
    """botocore renews 15 min ahead: a 900 s session would be re-assumed before every call."""
    assert renewal_windows(900) == (300, 150)
    assert renewal_windows(None) == (900, 600)
    assert renewal_windows(43200) == (900, 600)
    clock = Clock()
    sts = FakeSts(clock)
    credentials = assume(sts, clock, RoleSettings(duration=900))
    for _ in range(50):
        credentials.get_frozen_credentials()
    assert len(sts.named("AssumeRole")) == 1
    clock.advance(minutes=11)
    credentials.get_frozen_credentials()
    assert len(sts.named("AssumeRole")) == 2


def test_concurrent_use_assumes_once() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    credentials = assume(sts, clock)
    threads = [threading.Thread(target=credentials.get_frozen_credentials) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sts.named("AssumeRole")) == 1


def test_a_second_run_reuses_the_cached_session() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    cache: dict[str, Any] = {}
    settings = RoleSettings(external_id="tenant-42", duration=1800)
    assume(sts, clock, settings, cache).get_frozen_credentials()
    assert list(cache) == [session_key(ROLE, settings, SOURCE.access_key).name]
    again = assume(sts, clock, settings, cache)  # a second run
    assert again.get_frozen_credentials().access_key == "ASIAFAKE0000"
    assert len(sts.named("AssumeRole")) == 1
    other = assume(sts, clock, RoleSettings(external_id="tenant-43", duration=1800), cache)
    other.get_frozen_credentials()
    assert len(sts.named("AssumeRole")) == 2  # other arguments, other entry


def test_cached_credentials_close_to_expiry_are_not_reused() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    cache: dict[str, Any] = {}
    assume(sts, clock, cache=cache).get_frozen_credentials()
    clock.advance(minutes=50)
    assume(sts, clock, cache=cache).get_frozen_credentials()
    assert len(sts.named("AssumeRole")) == 2


def test_mfa_code_sent_and_asked_once() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    person = Person("123456")
    credentials = assume(sts, clock, RoleSettings(mfa_serial=SERIAL), prompter=MfaPrompter(person))
    credentials.get_frozen_credentials()
    credentials.get_frozen_credentials()
    assert person.prompts == [f"Enter MFA code for {SERIAL}: "]
    sent = sts.named("AssumeRole")[0]
    assert (sent["SerialNumber"], sent["TokenCode"]) == (SERIAL, "123456")


def test_mfa_session_cannot_renew_and_says_when_it_ends() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    credentials = assume(sts, clock, RoleSettings(mfa_serial=SERIAL), prompter=MfaPrompter(code="123456"))
    credentials.get_frozen_credentials()
    expiry = credentials_expiry(credentials)
    assert expiry is not None
    clock.advance(minutes=55)  # inside the mandatory window: renewal is required
    with pytest.raises(MfaError, match=f"expires at {expiry:%Y-%m-%d %H:%M}.*cannot be renewed without a new MFA"):
        credentials.get_frozen_credentials()
    assert len(sts.named("AssumeRole")) == 1


def test_one_mfa_code_for_many_roles_through_an_mfa_session() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    person = Person("654321")
    prompter = MfaPrompter(person)
    session = mfa_session_credentials(sts.creator, SOURCE, SERIAL, prompter, clock=clock)
    roles = [role_credentials(sts.creator, session, f"arn:aws:iam::{n}:role/Audit", RoleSettings(), {}, never_asked,
                              clock, caller=SOURCE.access_key, mfa_device=SERIAL)
             for n in ("111111111111", "222222222222", "333333333333")]
    for credentials in roles:
        credentials.get_frozen_credentials()
    assert len(person.prompts) == 1
    assert sts.named("GetSessionToken") == [{"SerialNumber": SERIAL, "TokenCode": "654321", "DurationSeconds": 43200}]
    assert all("TokenCode" not in call for call in sts.named("AssumeRole"))
    clock.advance(hours=3)  # the role sessions renew from the MFA session, without a new code
    for credentials in roles:
        credentials.get_frozen_credentials()
    assert len(sts.named("AssumeRole")) == 6
    assert len(sts.named("GetSessionToken")) == 1
    clock.advance(hours=9)  # past the MFA session: renewing it would need a new code
    with pytest.raises(MfaError, match=r"the MFA session of .* cannot be renewed"):
        roles[0].get_frozen_credentials()


def test_prompter_asks_once_across_threads_and_rejects_bad_codes() -> None:
    person = Person("000111")
    prompter = MfaPrompter(person)
    threads = [threading.Thread(target=prompter, args=("code: ",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert person.prompts == ["code: "] and prompter.used == 8
    assert person.secret == [True]  # asked without echo
    given = Person()
    assert MfaPrompter(given, code="222333")("code: ") == "222333"
    assert given.prompts == []
    with pytest.raises(MfaError, match="6 digits"):
        MfaPrompter(Person("12 34"))("code: ")


def test_cache_files_round_trip_in_the_cli_format(tmp_path: Path) -> None:
    """botocore's JSONFileCache writes ``...UTC`` expirations; a second run must read them back."""
    clock = Clock()
    sts = FakeSts(clock)
    cache = CliCache(tmp_path / "cli" / "cache")
    assume(sts, clock, RoleSettings(external_id="tenant-42"), cache).get_frozen_credentials()
    files = list((tmp_path / "cli" / "cache").iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "cli" / "cache").stat().st_mode) == 0o700
    entry = json.loads(files[0].read_text())
    assert entry["Credentials"]["Expiration"].endswith("UTC")
    again = assume(sts, clock, RoleSettings(external_id="tenant-42"), CliCache(tmp_path / "cli" / "cache"))
    assert again.get_frozen_credentials().access_key == "ASIAFAKE0000"
    assert len(sts.named("AssumeRole")) == 1
    clock.advance(minutes=50)
    later = assume(sts, clock, RoleSettings(external_id="tenant-42"), CliCache(tmp_path / "cli" / "cache"))
    assert later.get_frozen_credentials().access_key == "ASIAFAKE0001"


def test_a_failed_mfa_fetch_can_be_tried_again() -> None:
    clock = Clock()
    sts = FakeSts(clock)
    failures = [RuntimeError("endpoint unreachable")]
    real = sts.assume_role

    def flaky(**kwargs: Any) -> dict[str, Any]:
        if failures:
            raise failures.pop()
        return real(**kwargs)

    sts.assume_role = flaky  # type: ignore[method-assign]
    credentials = assume(sts, clock, RoleSettings(mfa_serial=SERIAL), prompter=MfaPrompter(code="123456"))
    with pytest.raises(RuntimeError, match="unreachable"):
        credentials.get_frozen_credentials()
    assert credentials.get_frozen_credentials().access_key == "ASIAFAKE0000"
