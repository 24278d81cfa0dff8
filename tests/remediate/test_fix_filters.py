"""``fix plan/apply/rollback --account`` naming an account the input does not hold is exit 2 with the
accounts it does hold: a typo must not plan, apply or restore nothing and pass."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from tests.factories import ACCOUNT, OUTSIDER, allow, role, trust
from tests.remediate.scans import scan_json

from rolescope.cli.main import cli
from rolescope.remediate.journal import Entry, Journal

TYPO = "999999999999"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_plan_apply_and_rollback_refuse_an_account_they_do_not_hold(tmp_path: Path) -> None:
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps(scan_json(role("vendor", trust(allow({"AWS": OUTSIDER}))))))
    plan = tmp_path / "plan.json"
    assert run("fix", "plan", "--from", str(scan), "--out", str(plan), "--account", TYPO) == (
        2, f"rolescope: error: {scan}: --account {TYPO}: not in the scan; its accounts: {ACCOUNT}\n")
    assert not plan.exists()
    assert run("fix", "plan", "--from", str(scan), "--out", str(plan))[0] == 0
    assert run("fix", "apply", str(plan), "--account", TYPO, "--dry-run") == (
        2, f"rolescope: error: --account {TYPO}: not in the plan; its accounts: {ACCOUNT}\n")
    backup = tmp_path / "plan.backup.json"
    arn = f"arn:aws:iam::{ACCOUNT}:role/vendor"
    Journal(backup, "digest", entries={arn: Entry(ACCOUNT, "vendor", arn, "{}", {}, "applied", [])}).save()
    assert run("fix", "rollback", str(backup), "--account", TYPO, "--dry-run") == (
        2, f"rolescope: error: --account {TYPO}: not in the backup; its accounts: {ACCOUNT}\n")


def test_the_audit_role_is_left_alone_unless_included(tmp_path: Path) -> None:
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps(scan_json(role("RolescopeAudit", trust(allow({"AWS": OUTSIDER}))),
                                         role("Scanner", trust(allow({"AWS": OUTSIDER}))))))
    plan = tmp_path / "plan.json"
    code, output = run("fix", "plan", "--from", str(scan), "--out", str(plan))
    assert code == 0
    assert "plan written to" in output and ": 1 role to change" in output
    assert (f"  arn:aws:iam::{ACCOUNT}:role/RolescopeAudit cross-account-without-mfa-or-external-id: the role "
            "rolescope scans through: a new guard on it locks the next scan out; --include-audit-role plans it"
            ) in output
    assert [c["role_name"] for c in json.loads(plan.read_text())["changes"]] == ["Scanner"]
    code, output = run("fix", "plan", "--from", str(scan), "--out", str(plan), "--force", "--audit-role", "Scanner")
    assert [c["role_name"] for c in json.loads(plan.read_text())["changes"]] == ["RolescopeAudit"]
    code, output = run("fix", "plan", "--from", str(scan), "--out", str(plan), "--force", "--include-audit-role")
    assert code == 0
    assert sorted(c["role_name"] for c in json.loads(plan.read_text())["changes"]) == ["RolescopeAudit", "Scanner"]
    assert ("    ! the role rolescope scans through: a new guard on it locks the next scan out: scan with the new "
            "guard (-I EXTERNAL_ID or --mfa) after the apply") in output


def test_plan_refuses_a_check_the_scan_did_not_run_or_whose_findings_it_could_not_keep(tmp_path: Path) -> None:
    document = scan_json(role("vendor", trust(allow({"AWS": OUTSIDER}))))
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps({**document, "scope": {**document["scope"], "checks": ["public-trust"]}}))
    plan = tmp_path / "plan.json"
    assert run("fix", "plan", "--from", str(scan), "--out", str(plan), "--check", "weak-external-id") == (
        2, f"rolescope: error: {scan}: --check weak-external-id: the scan did not run it (it ran public-trust)\n")
    scan.write_text(json.dumps({**document, "scope": {**document["scope"], "severities": ["critical"],
                                                      "filtered": True}}))
    assert run("fix", "plan", "--from", str(scan), "--out", str(plan), "--check", "weak-external-id") == (
        2, f"rolescope: error: {scan}: the scan's --severity critical can never match the checks selected with "
           "--check: weak-external-id produces only medium or low\n")
    assert not plan.exists()
    assert run("fix", "plan", "--from", str(scan), "--out", str(plan), "--check", "public-trust")[0] == 0


def test_the_roles_the_scan_went_through_are_left_alone_by_default(tmp_path: Path) -> None:
    document = scan_json(role("Scanner", trust(allow({"AWS": OUTSIDER}))))
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps({**document, "collection": {"role_names": ["Scanner"]}}))
    plan = tmp_path / "plan.json"
    result = CliRunner().invoke(cli, ["fix", "plan", "--from", str(scan), "--out", str(plan)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stderr == ("rolescope: note: the scan went through Scanner: left alone (a new guard would lock the "
                             "next scan out); --include-audit-role plans it\n")
    assert json.loads(plan.read_text())["changes"] == []
    # a scan document that does not say (files, or an older rolescope) protects RolescopeAudit alone
    scan.write_text(json.dumps(document))
    assert run("fix", "plan", "--from", str(scan), "--out", str(plan), "--force")[0] == 0
    assert [c["role_name"] for c in json.loads(plan.read_text())["changes"]] == ["Scanner"]
    # as do the roles named with --audit-role, which replace the default
    scan.write_text(json.dumps({**document, "collection": {"role_names": ["Scanner"]}}))
    assert run("fix", "plan", "--from", str(scan), "--out", str(plan), "--force", "--audit-role", "Other")[0] == 0
    assert [c["role_name"] for c in json.loads(plan.read_text())["changes"]] == ["Scanner"]


def test_what_a_check_could_produce_is_judged_by_the_settings_the_scan_recorded(tmp_path: Path) -> None:
    document = scan_json(role("vendor", trust(allow({"AWS": OUTSIDER}))))
    raised = {"unused-cross-account-role": {"severity": "critical", "reason": "dormant access is an incident"}}
    scan = tmp_path / "scan.json"
    scope = {**document["scope"], "severities": ["critical"], "filtered": True}
    scan.write_text(json.dumps({**document, "scope": scope, "settings": {"severity_overrides": raised}}))
    plan = tmp_path / "plan.json"
    assert run("fix", "plan", "--from", str(scan), "--out", str(plan), "--check", "unused-cross-account-role")[0] == 0
