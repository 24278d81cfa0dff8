"""Apply and rollback against an in-memory IAM: faults, eventual consistency, the journal's guarantees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from tests.factories import ACCOUNT, OUTSIDER, allow, role, trust
from tests.remediate.scans import scan_document

from rolescope.remediate.apply import RunSettings, apply_plan, rollback
from rolescope.remediate.errors import AwsError, DriftError, JournalError, PlanError, VerifyError
from rolescope.remediate.fixers import FixOptions
from rolescope.remediate.iam import TrustText, trust_text
from rolescope.remediate.journal import load_journal, locked
from rolescope.remediate.plan import Plan, RoleChange, Selection, build_plan

NAMES = ("a", "b", "c")


class FakeIam:
    """IAM as the API shows it: URL-encoded text back; optionally stale reads and failing writes."""

    def __init__(self, policies: dict[str, str]) -> None:
        self.policies = dict(policies)
        self.writes: list[str] = []
        self.fail_on_write: int | None = None
        self.stale_reads = 0
        self._stale: dict[str, str] = {}

    def read(self, name: str) -> TrustText | None:
        if name not in self.policies:
            return None
        if self._stale.get(name) is not None and self.stale_reads > 0:
            self.stale_reads -= 1
            return trust_text(quote(self._stale[name], safe=""))
        return trust_text(quote(self.policies[name], safe=""))

    def write(self, name: str, text: str) -> None:
        if self.fail_on_write == len(self.writes) + 1:
            raise AwsError("iam:UpdateAssumeRolePolicy: Throttling: Rate exceeded", "Throttling")
        self._stale[name] = self.policies[name]
        self.policies[name] = text
        self.writes.append(name)


def originals() -> dict[str, str]:
    return {name: json.dumps(trust(allow({"AWS": OUTSIDER})), indent=4) + "\n" for name in NAMES}


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Plan, FakeIam, Path]:
    scan = scan_document(*(role(name, json.loads(text)) for name, text in originals().items()))
    plan = build_plan(scan, Selection(), FixOptions())
    return plan, FakeIam(originals()), tmp_path / "backup.json"


def settings(**kwargs: Any) -> RunSettings:
    return RunSettings(sleep=lambda _: None, **kwargs)


def test_a_failed_write_leaves_a_backup_and_a_rerun_converges(setup: tuple[Plan, FakeIam, Path]) -> None:
    plan, iam, backup = setup
    iam.fail_on_write = 2
    with pytest.raises(AwsError, match="Throttling"):
        apply_plan(plan, lambda *_: iam, backup, settings())
    journal = load_journal(backup)
    assert {e.role_name: trust_text(e.original_raw).text for e in journal.entries.values()} == originals()
    assert [e.status for e in journal.entries.values()] == ["applied", "applying", "pending"]
    iam.fail_on_write = None
    outcomes = apply_plan(plan, lambda *_: iam, backup, settings())
    assert [o.action for o in outcomes] == ["already-applied", "applied", "applied"]
    assert all(json.loads(iam.policies[n]) == c.after for n, c in zip(NAMES, plan.changes, strict=True))
    rollback(backup, lambda *_: iam, settings())
    assert iam.policies == originals()


def test_read_back_waits_for_eventual_consistency(setup: tuple[Plan, FakeIam, Path]) -> None:
    plan, iam, backup = setup
    iam.stale_reads = 2
    waits: list[float] = []
    apply_plan(plan, lambda *_: iam, backup, RunSettings(sleep=waits.append))
    assert waits == [0.5, 1.0]
    assert load_journal(backup).entries[plan.changes[0].role_arn].status == "applied"


def test_a_write_iam_never_shows_is_an_error_with_the_original_kept(setup: tuple[Plan, FakeIam, Path]) -> None:
    plan, iam, backup = setup
    iam.stale_reads = 100
    with pytest.raises(VerifyError, match="rollback restores it"):
        apply_plan(plan, lambda *_: iam, backup, settings())
    entry = load_journal(backup).entries[plan.changes[0].role_arn]
    assert entry.status == "unverified" and trust_text(entry.original_raw).text == originals()["a"]


def test_a_deleted_role_is_drift(setup: tuple[Plan, FakeIam, Path]) -> None:
    plan, iam, backup = setup
    del iam.policies["b"]
    with pytest.raises(DriftError) as refused:
        apply_plan(plan, lambda *_: iam, backup, settings())
    assert refused.value.roles == [(f"arn:aws:iam::{ACCOUNT}:role/b", "the role no longer exists")]
    assert iam.writes == [] and not backup.exists()


def test_dry_run_writes_nothing(setup: tuple[Plan, FakeIam, Path]) -> None:
    plan, iam, backup = setup
    lines: list[str] = []
    outcomes = apply_plan(plan, lambda *_: iam, backup, settings(dry_run=True, echo=lines.append))
    assert [o.action for o in outcomes] == ["would-apply"] * 3 and iam.writes == [] and not backup.exists()
    assert lines[0].startswith("would call iam:UpdateAssumeRolePolicy --role-name a")


def test_nothing_to_do_writes_no_backup(setup: tuple[Plan, FakeIam, Path]) -> None:
    plan, iam, backup = setup
    assert apply_plan(Plan(()), lambda *_: iam, backup, settings()) == []
    assert not backup.exists()
    apply_plan(plan, lambda *_: iam, backup, settings())
    saved = backup.read_bytes()
    assert {o.action for o in apply_plan(plan, lambda *_: iam, backup, settings())} == {"already-applied"}
    assert backup.read_bytes() == saved


def test_account_filter(setup: tuple[Plan, FakeIam, Path]) -> None:
    plan, iam, backup = setup
    assert apply_plan(plan, lambda *_: iam, backup, settings(accounts=frozenset({OUTSIDER}))) == []
    assert iam.writes == []


def test_the_backup_of_another_plan_is_never_overwritten(setup: tuple[Plan, FakeIam, Path]) -> None:
    plan, iam, backup = setup
    apply_plan(plan, lambda *_: iam, backup, settings())
    saved = backup.read_bytes()
    other = Plan(plan.changes[:1])
    with pytest.raises(JournalError, match="backup of another plan"):
        apply_plan(other, lambda *_: iam, backup, settings())
    assert backup.read_bytes() == saved


def test_a_damaged_backup_is_refused(setup: tuple[Plan, FakeIam, Path]) -> None:
    plan, iam, backup = setup
    apply_plan(plan, lambda *_: iam, backup, settings())
    document = json.loads(backup.read_text())
    document["roles"][0]["original_raw"] = document["roles"][0]["original_raw"].replace("777788889999", "1")
    backup.write_text(json.dumps(document))
    with pytest.raises(JournalError, match="does not match its checksum"):
        rollback(backup, lambda *_: iam, settings())
    backup.write_text("{")
    with pytest.raises(JournalError, match="not JSON"):
        rollback(backup, lambda *_: iam, settings())


def test_one_run_at_a_time(setup: tuple[Plan, FakeIam, Path]) -> None:
    plan, iam, backup = setup
    with locked(backup), pytest.raises(JournalError, match="in use"):
        apply_plan(plan, lambda *_: iam, backup, settings())


def test_a_plan_that_widens_is_refused_at_apply_time(setup: tuple[Plan, FakeIam, Path]) -> None:
    plan, iam, backup = setup
    change = plan.changes[0]
    wider = RoleChange(change.account_id, change.role_name, change.role_arn, change.before,
                       trust(allow("*")), change.checks)
    with pytest.raises(PlanError, match="could widen"):
        apply_plan(Plan((wider,)), lambda *_: iam, backup, settings())
    assert iam.writes == []


def test_the_lock_file_goes_with_the_lock(setup: tuple[Plan, FakeIam, Path]) -> None:
    plan, iam, backup = setup
    lock_file = backup.parent / f".{backup.name}.lock"
    with locked(backup):
        assert lock_file.exists()
        with pytest.raises(JournalError, match="in use"), locked(backup):
            pass  # a second holder is still refused
        assert lock_file.exists()  # and its refusal does not take the holder's file away
    assert not lock_file.exists()
    apply_plan(plan, lambda *_: iam, backup, settings())
    assert sorted(p.name for p in backup.parent.iterdir() if p.name.startswith(".")) == []


class FakeIamWithSessions(FakeIam):
    """FakeIam with each role's MaxSessionDuration; optionally a failing UpdateRole."""

    def __init__(self, policies: dict[str, str], sessions: dict[str, int]) -> None:
        super().__init__(policies)
        self.sessions = dict(sessions)
        self.fail_session_write = False

    def read_max_session(self, name: str) -> int | None:
        return self.sessions.get(name)

    def write_max_session(self, name: str, seconds: int) -> None:
        if self.fail_session_write:
            raise AwsError("iam:UpdateRole: Throttling: Rate exceeded", "Throttling")
        self.sessions[name] = seconds


def test_a_failed_session_write_after_the_trust_write_converges_and_rolls_back(tmp_path: Path) -> None:
    scan = scan_document(*(role(name, json.loads(text), max_session=43200) for name, text in originals().items()))
    plan = build_plan(scan, Selection(), FixOptions())
    assert all(c.max_session is not None and c.trust_changes for c in plan.changes)
    iam = FakeIamWithSessions(originals(), dict.fromkeys(NAMES, 43200))
    backup = tmp_path / "backup.json"
    iam.fail_session_write = True
    with pytest.raises(AwsError, match="UpdateRole"):
        apply_plan(plan, lambda *_: iam, backup, settings())
    assert json.loads(iam.policies["a"]) == plan.changes[0].after and iam.sessions["a"] == 43200
    entry = load_journal(backup).entries[plan.changes[0].role_arn]
    assert (entry.status, entry.original_max_session, entry.after_max_session) == ("applying", 43200, 3600)

    iam.fail_session_write = False
    assert [o.action for o in apply_plan(plan, lambda *_: iam, backup, settings())] == ["applied"] * 3
    assert iam.sessions == dict.fromkeys(NAMES, 3600)
    rollback(backup, lambda *_: iam, settings())
    assert iam.policies == originals() and iam.sessions == dict.fromkeys(NAMES, 43200)


def test_a_backup_with_a_garbled_session_length_is_refused(tmp_path: Path) -> None:
    scan = scan_document(role("a", trust(allow({"AWS": OUTSIDER})), max_session=43200))
    plan = build_plan(scan, Selection(), FixOptions())
    iam = FakeIamWithSessions({"a": originals()["a"]}, {"a": 43200})
    backup = tmp_path / "backup.json"
    apply_plan(plan, lambda *_: iam, backup, settings())
    data = json.loads(backup.read_text())
    data["roles"][0]["original_max_session"] = "43200"
    backup.write_text(json.dumps(data))
    with pytest.raises(JournalError, match="whole seconds"):
        load_journal(backup)
