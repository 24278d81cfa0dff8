"""MaxSessionDuration against a real IAM API (moto's server): plan lowers it, apply backs it up and sets it,
rollback restores it, and a later change to it is not overwritten unless forced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from rolescope.cli.main import cli

OUTSIDER = "777788889999"
GUARDED = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDER}:root"}, "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"sts:ExternalId": "8c41d2e7b9f3a05e6d1c"}}}]})
OPEN = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDER}:root"}, "Action": "sts:AssumeRole"}]})
SESSION = "long-session-cross-account-role"


def iam() -> Any:
    return boto3.client("iam")


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def sessions() -> dict[str, int]:
    return {r["RoleName"]: r["MaxSessionDuration"] for r in iam().list_roles()["Roles"]}


def trust(name: str) -> Any:
    return iam().get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]


def scan(tmp_path: Path, name: str) -> dict[str, Any]:
    """A live scan of the account: GAAD does not carry MaxSessionDuration, the live collection adds it."""
    out = tmp_path / f"{name}-scan.json"
    result = run("scan", "--format", "json", "--output", str(out))
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def long_sessions(document: dict[str, Any]) -> set[str]:
    return {f["resource"].rsplit("/", 1)[-1] for f in document["findings"] if f["check"] == SESSION}


@pytest.fixture
def world(aws: dict[str, str]) -> dict[str, int]:
    iam().create_role(RoleName="vendor", AssumeRolePolicyDocument=GUARDED, MaxSessionDuration=43200)
    iam().create_role(RoleName="contractor", AssumeRolePolicyDocument=OPEN, MaxSessionDuration=28800)
    return sessions()


def make_plan(tmp_path: Path) -> Path:
    assert long_sessions(scan(tmp_path, "before")) == {"vendor", "contractor"}
    plan = tmp_path / "plan.json"
    result = run("fix", "plan", "--from", str(tmp_path / "before-scan.json"), "--out", str(plan))
    assert result.exit_code == 0, result.output
    assert "lowers MaxSessionDuration from 43200 s to 3600 s" in result.output
    return plan


def test_plan_apply_scan_rollback_restores_the_session_length(world: dict[str, int], tmp_path: Path) -> None:
    plan = make_plan(tmp_path)
    dry = run("fix", "apply", str(plan), "--dry-run")
    assert dry.exit_code == 0 and "iam:UpdateRole --max-session-duration 3600" in dry.output
    assert sessions() == world

    applied = run("fix", "apply", str(plan))
    assert applied.exit_code == 0, applied.output
    assert sessions() == {"vendor": 3600, "contractor": 3600}
    assert "sts:ExternalId" in json.dumps(trust("contractor")) and trust("vendor") == json.loads(GUARDED)
    backup = tmp_path / "plan.backup.json"
    saved = {e["role_name"]: e["original_max_session"] for e in json.loads(backup.read_text())["roles"]}
    assert saved == world
    assert long_sessions(scan(tmp_path, "after")) == set()
    assert "2 already applied" in run("fix", "apply", str(plan)).output

    restored = run("fix", "rollback", str(backup))
    assert restored.exit_code == 0, restored.output
    assert sessions() == world
    assert trust("contractor") == json.loads(OPEN)
    assert long_sessions(scan(tmp_path, "restored")) == {"vendor", "contractor"}
    assert "2 already restored" in run("fix", "rollback", str(backup)).output


def test_a_session_length_changed_by_someone_else_is_drift(world: dict[str, int], tmp_path: Path) -> None:
    plan = make_plan(tmp_path)
    iam().update_role(RoleName="vendor", MaxSessionDuration=7200)
    refused = run("fix", "apply", str(plan))
    assert refused.exit_code == 4 and "vendor: its MaxSessionDuration changed since the scan" in refused.output
    assert sessions() == {**world, "vendor": 7200}

    iam().update_role(RoleName="vendor", MaxSessionDuration=43200)
    assert run("fix", "apply", str(plan)).exit_code == 0
    iam().update_role(RoleName="vendor", MaxSessionDuration=14400)
    backup = tmp_path / "plan.backup.json"
    later = run("fix", "rollback", str(backup))
    assert later.exit_code == 4 and "vendor: its MaxSessionDuration changed after the apply" in later.output
    assert sessions() == {"vendor": 14400, "contractor": 3600}  # nothing restored
    assert run("fix", "rollback", str(backup), "--force").exit_code == 0
    assert sessions() == world
