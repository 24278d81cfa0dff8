"""Which accounts a run reaches and how: targets, role chaining's one-hour cap, MFA once per run."""

from __future__ import annotations

from typing import Any, cast

import pytest
from botocore.credentials import Credentials
from tests.auth.fakes import Clock, FakeBase, FakeSts, Person

from rolescope.auth.assume import RoleSettings
from rolescope.auth.broker import SessionBroker
from rolescope.auth.errors import AuthConfigError
from rolescope.auth.identity import Identity
from rolescope.auth.mfa import MfaPrompter
from rolescope.auth.session import ProfileInfo
from rolescope.auth.targets import Target, plan_targets
from rolescope.auth.validate import validate_role_arn

CALLER = Identity("111122223333", "arn:aws:iam::111122223333:user/alice", "AIDAFAKE")
ROLE_SESSION = Identity("111122223333", "arn:aws:sts::111122223333:assumed-role/Hub/s", "AROAFAKE:s")
SERIAL = "arn:aws:iam::111122223333:mfa/alice"


def broker_for(sts: FakeSts, settings: RoleSettings | None = None, mfa_serial: str | None = None,
               prompter: Any = None, info: ProfileInfo | None = None, cache: dict[str, Any] | None = None,
               keys: Credentials | None = None) -> tuple[SessionBroker, list[str]]:
    notes: list[str] = []
    base = FakeBase(sts, info=info or ProfileInfo("default"))
    if keys is not None:
        base.keys = keys
    broker = SessionBroker(cast(Any, base), settings or RoleSettings(), cache={} if cache is None else cache,
                           prompter=prompter or MfaPrompter(code="123456"), mfa_serial=mfa_serial,
                           clock=sts.clock, notify=notes.append)
    return broker, notes


def test_targets_from_roles_accounts_and_the_caller() -> None:
    roles = [validate_role_arn("arn:aws:iam::444455556666:role/Audit")]
    assert plan_targets(CALLER, roles) == [Target("444455556666", "arn:aws:iam::444455556666:role/Audit")]
    targets = plan_targets(CALLER, accounts=["111122223333", "777788889999"], role_name=("/sec/", "Audit"),
                           names={"777788889999": "prod"})
    assert targets == [Target("111122223333", None),  # the caller's own account: its own credentials
                       Target("777788889999", "arn:aws:iam::777788889999:role/sec/Audit", "prod")]
    assert plan_targets(CALLER) == [Target("111122223333", None)]


def test_targets_rejected() -> None:
    with pytest.raises(AuthConfigError, match="scanned twice"):
        plan_targets(CALLER, [validate_role_arn("arn:aws:iam::444455556666:role/A")], ["444455556666"], ("/", "B"))
    with pytest.raises(AuthConfigError, match="across partitions"):
        plan_targets(CALLER, [validate_role_arn("arn:aws-cn:iam::444455556666:role/A")])
    with pytest.raises(AuthConfigError, match="need --role-name"):
        plan_targets(CALLER, accounts=["444455556666"])


def test_role_chaining_is_capped_at_one_hour_with_a_note() -> None:
    sts = FakeSts(Clock(), caller_arn=ROLE_SESSION.arn)
    broker, notes = broker_for(sts, RoleSettings(duration=7200))
    target = Target("444455556666", "arn:aws:iam::444455556666:role/Audit")
    broker.prepare([target])
    broker.credentials_for(target).get_frozen_credentials()
    assert sts.named("AssumeRole")[0]["DurationSeconds"] == 3600
    assert len(notes) == 1 and "AWS caps role chaining at one hour" in notes[0] and "7200" in notes[0]


def test_no_cap_for_a_user_or_an_hour_or_less() -> None:
    for caller, duration in ((CALLER.arn, 7200), (ROLE_SESSION.arn, 3600)):
        sts = FakeSts(Clock(), caller_arn=caller)
        broker, notes = broker_for(sts, RoleSettings(duration=duration))
        target = Target("444455556666", "arn:aws:iam::444455556666:role/Audit")
        broker.prepare([target])
        broker.credentials_for(target).get_frozen_credentials()
        assert sts.named("AssumeRole")[0]["DurationSeconds"] == duration
        assert notes == []


def test_mfa_for_one_role_goes_on_its_assume_role_and_is_announced() -> None:
    sts = FakeSts(Clock())
    person = Person()
    broker, notes = broker_for(sts, mfa_serial=SERIAL, prompter=MfaPrompter(person))
    target = Target("444455556666", "arn:aws:iam::444455556666:role/Audit")
    broker.prepare([target])
    assert len(person.prompts) == 1  # asked before the scan starts, not in the middle of it
    assert sts.named("AssumeRole")[0]["TokenCode"] == "123456"
    assert sts.named("GetSessionToken") == []
    assert len(notes) == 1 and "cannot be renewed without a new MFA code" in notes[0] and "1 h 00 min" in notes[0]
    broker.session_for(target)
    assert len(sts.named("AssumeRole")) == 1


def test_mfa_for_many_accounts_opens_one_mfa_session() -> None:
    sts = FakeSts(Clock())
    person = Person()
    broker, notes = broker_for(sts, mfa_serial=SERIAL, prompter=MfaPrompter(person))
    targets = [Target(n, f"arn:aws:iam::{n}:role/Audit") for n in ("444455556666", "777788889999", "121212121212")]
    broker.prepare(targets)
    for target in targets:
        broker.credentials_for(target).get_frozen_credentials()
    assert len(person.prompts) == 1
    assert len(sts.named("GetSessionToken")) == 1
    assert [call.get("TokenCode") for call in sts.named("AssumeRole")] == [None, None, None]
    assert "role sessions renew from it" in notes[0] and "12 h 00 min" in notes[0]
    # each AssumeRole was signed with the MFA session's keys, not the caller's long-term keys
    assert sts.calls[0][0] == "GetCallerIdentity"
    made = cast(FakeBase, broker.base).made
    assert len(made) == 5 and made[2:] == ["ASIAFAKE0001"] * 3


def test_counts_assume_role_for_the_target_account() -> None:
    sts = FakeSts(Clock())
    broker, _ = broker_for(sts)
    target = Target("444455556666", "arn:aws:iam::444455556666:role/Audit")
    broker.prepare([target])
    broker.credentials_for(target).get_frozen_credentials()
    assert broker.counter_for(target).operations["AssumeRole"] == 1
    assert broker.run_calls.operations["GetCallerIdentity"] == 1


def scan_run(sts: FakeSts, cache: dict[str, Any], targets: list[Target], mfa_serial: str | None = None,
             keys: Credentials | None = None, settings: RoleSettings | None = None) -> tuple[Person, list[str]]:
    """One run reaching every target, as ``scan`` does: the broker prepared, then each account's credentials."""
    person = Person()
    broker, notes = broker_for(sts, settings, mfa_serial=mfa_serial, prompter=MfaPrompter(person), cache=cache,
                               keys=keys)
    broker.prepare(targets)
    for target in targets:
        broker.credentials_for(target).get_frozen_credentials()
    return person, notes


ACCOUNTS = [Target(n, f"arn:aws:iam::{n}:role/Audit") for n in ("444455556666", "777788889999")]


def test_a_session_without_mfa_never_serves_a_request_for_mfa() -> None:
    """Issue 11.6: after a scan without MFA, a scan with MFA reused the cached non-MFA role sessions."""
    sts, cache = FakeSts(Clock()), {}
    scan_run(sts, cache, ACCOUNTS)
    assert len(sts.named("AssumeRole")) == 2
    person, _ = scan_run(sts, cache, ACCOUNTS, mfa_serial=SERIAL)
    assert len(person.prompts) == 1 and len(sts.named("GetSessionToken")) == 1
    assert len(sts.named("AssumeRole")) == 4  # assumed again, from the MFA session
    assert len(cache) == 4  # the sessions with and without MFA side by side
    person, notes = scan_run(sts, cache, ACCOUNTS, mfa_serial=SERIAL)  # MFA again: every session is cached
    assert person.prompts == [] and len(sts.named("GetSessionToken")) == 1 and len(sts.named("AssumeRole")) == 4
    assert "cannot be renewed without a new MFA code" in notes[0] and "2 MFA-backed role sessions" in notes[0]
    scan_run(sts, cache, ACCOUNTS)  # and a scan without MFA still gets its own sessions
    assert len(sts.named("AssumeRole")) == 4


def test_an_mfa_session_serves_requests_for_that_device_only() -> None:
    sts, cache = FakeSts(Clock()), {}
    scan_run(sts, cache, ACCOUNTS, mfa_serial=SERIAL)  # through an MFA session
    person, _ = scan_run(sts, cache, ACCOUNTS[:1], mfa_serial=SERIAL)  # one role: the code would go on AssumeRole
    assert person.prompts == [] and len(sts.named("AssumeRole")) == 2
    scan_run(sts, cache, ACCOUNTS[:1], mfa_serial="arn:aws:iam::111122223333:mfa/bob")
    assert sts.named("AssumeRole")[-1]["SerialNumber"] == "arn:aws:iam::111122223333:mfa/bob"


def test_one_uncached_role_opens_the_mfa_session_for_all() -> None:
    sts, cache = FakeSts(Clock()), {}
    scan_run(sts, cache, ACCOUNTS[:1], mfa_serial=SERIAL)
    third = Target("121212121212", "arn:aws:iam::121212121212:role/Audit")
    person, _ = scan_run(sts, cache, [*ACCOUNTS, third], mfa_serial=SERIAL)
    assert len(person.prompts) == 1 and len(sts.named("GetSessionToken")) == 1
    assert [c["RoleArn"] for c in sts.named("AssumeRole")[1:]] == [ACCOUNTS[1].role_arn, third.role_arn]


def test_sessions_are_not_shared_between_callers_or_settings() -> None:
    sts, cache = FakeSts(Clock()), {}
    scan_run(sts, cache, ACCOUNTS[:1])
    scan_run(sts, cache, ACCOUNTS[:1], keys=Credentials("AKIAOTHERCALLER", "other-secret"))
    scan_run(sts, cache, ACCOUNTS[:1], settings=RoleSettings(duration=1800))
    scan_run(sts, cache, ACCOUNTS[:1], settings=RoleSettings(session_name="other"))
    scan_run(sts, cache, ACCOUNTS[:1], settings=RoleSettings(external_id="tenant-7"))
    assert len(sts.named("AssumeRole")) == 5
    scan_run(sts, cache, ACCOUNTS[:1], keys=Credentials("AKIAOTHERCALLER", "other-secret"))
    assert len(sts.named("AssumeRole")) == 5
