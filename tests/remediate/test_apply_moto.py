"""Against a real IAM API (moto's server over HTTP): plan → apply → scan → rollback, drift, and kills."""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner
from tests.process import under_test_env
from tests.remediate.conftest import ACCOUNT

from rolescope.cli.main import cli
from rolescope.remediate.iam import Boto3RoleStore

OUTSIDER = "777788889999"
ROOT = Path(__file__).resolve().parents[2]
# Originals written the way people write them: odd spacing, tabs, key order, a lone Statement object.
ORIGINALS = {
    "vendor-audit": '{"Version":"2012-10-17","Statement":[{"Sid":"Vendor","Effect":"Allow",'
                    f'"Principal":{{"AWS":"arn:aws:iam::{OUTSIDER}:root"}},"Action":"sts:AssumeRole"}}]}}',
    "events-invoke": '{\n\t"Version": "2012-10-17",\n\t"Statement": {\n\t\t"Effect": "Allow",\n\t\t"Principal": '
                     '{"Service": "events.amazonaws.com"},\n\t\t"Action": "sts:AssumeRole"\n\t}\n}\n',
    "weak-vendor": f'{{ "Statement" : [ {{ "Action" : "sts:AssumeRole", "Effect" : "Allow", "Principal" : {{ "AWS" : '
                   f'[ "{OUTSIDER}" ] }}, "Condition" : {{ "StringLike" : {{ "sts:ExternalId" : "*" }} }} }} ], '
                   '"Version" : "2012-10-17" }',
    "pipeline": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": '
                f'"codebuild.amazonaws.com", "AWS": ["arn:aws:iam::{ACCOUNT}:role/ci", "{OUTSIDER}"]}}, '
                '"Action": "sts:AssumeRole"}]}',
    "ci": f'{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": '
          f'"arn:aws:iam::{ACCOUNT}:root"}}, "Action": "sts:AssumeRole"}}]}}',
}
FIXED = {"vendor-audit", "events-invoke", "weak-vendor", "pipeline"}
FIXED_CHECKS = {"cross-account-without-mfa-or-external-id", "service-trust-without-source-condition",
                "weak-external-id"}


def iam() -> Any:
    return boto3.client("iam")


def raw_policies() -> dict[str, str]:
    """Each role's trust policy exactly as the IAM API returns it (URL-encoded text)."""
    store = Boto3RoleStore(iam())
    return {name: store.read(name).raw for name in ORIGINALS}  # type: ignore[union-attr]


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def world(aws: dict[str, str], tmp_path: Path) -> dict[str, str]:
    client = iam()
    for name, document in ORIGINALS.items():
        client.create_role(RoleName=name, AssumeRolePolicyDocument=document)
    return raw_policies()


def scan(tmp_path: Path, name: str) -> dict[str, Any]:
    """Export the account as GAAD (what `aws iam get-account-authorization-details` writes) and scan it."""
    details = iam().get_account_authorization_details(Filter=["Role"])
    details.pop("ResponseMetadata", None)
    source = tmp_path / f"{ACCOUNT}-{name}.json"
    source.write_text(json.dumps(details, default=str))
    out = tmp_path / f"{name}-scan.json"
    result = run("scan", "--from", str(source), "--format", "json", "--output", str(out))
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def open_findings(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["resource"].rsplit("/", 1)[-1], f["check"]) for f in document["findings"] if f["check"] in FIXED_CHECKS}


def make_plan(tmp_path: Path) -> Path:
    scan(tmp_path, "before")
    plan = tmp_path / "plan.json"
    result = run("fix", "plan", "--from", str(tmp_path / "before-scan.json"), "--out", str(plan))
    assert result.exit_code == 0, result.output
    assert {c["role_name"] for c in json.loads(plan.read_text())["changes"]} == FIXED
    return plan


def test_plan_apply_scan_rollback_restores_every_byte(world: dict[str, str], tmp_path: Path) -> None:
    before = scan(tmp_path, "initial")
    assert {name for name, _ in open_findings(before)} == FIXED
    plan = make_plan(tmp_path)
    assert f"{OUTSIDER}: arn:aws:iam::{ACCOUNT}:role/vendor-audit ExternalId" in run(
        "fix", "plan", "--from", str(tmp_path / "before-scan.json"), "--out", str(plan), "--force").output

    dry = run("fix", "apply", str(plan), "--dry-run")
    assert dry.exit_code == 0 and "4 would apply" in dry.output
    assert raw_policies() == world and not (tmp_path / "plan.backup.json").exists()

    applied = run("fix", "apply", str(plan))
    assert applied.exit_code == 0, applied.output
    assert "4 applied" in applied.output
    backup = tmp_path / "plan.backup.json"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    saved = {e["role_name"]: e["original_raw"] for e in json.loads(backup.read_text())["roles"]}
    assert saved == {name: world[name] for name in FIXED}
    changes = {c["role_name"]: c["after"] for c in json.loads(plan.read_text())["changes"]}
    assert {n: Boto3RoleStore(iam()).read(n).document for n in FIXED} == changes  # type: ignore[union-attr]
    assert raw_policies()["ci"] == world["ci"]

    assert open_findings(scan(tmp_path, "after")) == set()
    again = run("fix", "apply", str(plan))
    assert again.exit_code == 0 and "4 already applied" in again.output

    restored = run("fix", "rollback", str(backup))
    assert restored.exit_code == 0, restored.output
    assert raw_policies() == world
    assert open_findings(scan(tmp_path, "restored")) == open_findings(before)
    assert "4 already restored" in run("fix", "rollback", str(backup)).output


def test_apply_refuses_a_drifted_role_and_changes_nothing(world: dict[str, str], tmp_path: Path) -> None:
    plan = make_plan(tmp_path)
    drifted = ORIGINALS["vendor-audit"].replace('"Sid":"Vendor",', '"Sid":"Vendor","Condition":{"Bool":'
                                                '{"aws:MultiFactorAuthPresent":"true"}},')
    iam().update_assume_role_policy(RoleName="vendor-audit", PolicyDocument=drifted)
    current = raw_policies()

    refused = run("fix", "apply", str(plan))
    assert refused.exit_code == 4
    assert "vendor-audit: its trust policy changed since the scan" in refused.output
    assert raw_policies() == current and not (tmp_path / "plan.backup.json").exists()

    partial = run("fix", "apply", str(plan), "--skip-drifted")
    assert partial.exit_code == 0 and "3 applied" in partial.output and "1 skipped drift" in partial.output
    assert raw_policies()["vendor-audit"] == current["vendor-audit"]
    assert run("fix", "rollback", str(tmp_path / "plan.backup.json")).exit_code == 0
    assert raw_policies() == current


def test_rollback_refuses_to_overwrite_a_later_change_unless_forced(world: dict[str, str], tmp_path: Path) -> None:
    plan = make_plan(tmp_path)
    assert run("fix", "apply", str(plan)).exit_code == 0
    later = ORIGINALS["ci"].replace("root", "role/someone")
    iam().update_assume_role_policy(RoleName="events-invoke", PolicyDocument=later)
    backup = tmp_path / "plan.backup.json"
    refused = run("fix", "rollback", str(backup))
    assert refused.exit_code == 4 and "events-invoke: its trust policy changed after the apply" in refused.output
    assert Boto3RoleStore(iam()).read("weak-vendor").raw != world["weak-vendor"]  # nothing restored
    forced = run("fix", "rollback", str(backup), "--force")
    assert forced.exit_code == 0 and raw_policies() == world
    history = next(e for e in json.loads(backup.read_text())["roles"] if e["role_name"] == "events-invoke")["history"]
    assert any("someone" in h["event"] for h in history)  # the overwritten policy is kept


DRIVER = textwrap.dedent("""
    import json, os, signal, sys
    from pathlib import Path
    from rolescope.auth.assume import RoleSettings
    from rolescope.auth.broker import SessionBroker
    from rolescope.auth.session import BaseSession
    from rolescope.remediate.apply import RunSettings, apply_plan, rollback
    from rolescope.remediate.iam import broker_stores
    from rolescope.remediate.plan import load_plan

    action, target, after = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    cache = {}
    base = BaseSession(None, None, lambda prompt: "", cache)
    broker = SessionBroker(base, RoleSettings(), cache=cache, prompter=lambda prompt: "")
    stores, writes = broker_stores(broker, []), []

    class KilledAfterWrites:
        def __init__(self, store):
            self.store = store
        def read(self, name):
            return self.store.read(name)
        def write(self, name, text):
            self.store.write(name, text)
            writes.append(name)
            if len(writes) == after:  # the write reached IAM; the journal has not recorded it
                os.kill(os.getpid(), signal.SIGKILL)

    def factory(account, partition):
        return KilledAfterWrites(stores(account, partition))

    if action == "apply":
        apply_plan(load_plan(json.loads(target.read_text())), factory, target.with_suffix(".backup.json"),
                   RunSettings())
    else:
        rollback(target, factory, RunSettings())
""")


def killed(aws: dict[str, str], tmp_path: Path, action: str, target: Path, after: int) -> None:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    env = under_test_env(aws)
    done = subprocess.run([sys.executable, str(driver), action, str(target), str(after)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr


def test_apply_and_rollback_killed_half_way_converge_when_rerun(aws: dict[str, str], world: dict[str, str],
                                                                tmp_path: Path) -> None:
    plan = make_plan(tmp_path)
    backup = tmp_path / "plan.backup.json"
    killed(aws, tmp_path, "apply", plan, after=2)
    journal = {e["role_name"]: e for e in json.loads(backup.read_text())["roles"]}
    assert {n: e["original_raw"] for n, e in journal.items()} == {n: world[n] for n in FIXED}
    assert sorted(e["status"] for e in journal.values()) == ["applied", "applying", "pending", "pending"]
    changed = {n for n, raw in raw_policies().items() if raw != world[n]}
    assert len(changed) == 2

    rerun = run("fix", "apply", str(plan))
    assert rerun.exit_code == 0, rerun.output
    assert "2 applied" in rerun.output and "2 already applied" in rerun.output
    assert open_findings(scan(tmp_path, "converged")) == set()
    assert {e["original_raw"] for e in json.loads(backup.read_text())["roles"]} == {world[n] for n in FIXED}

    killed(aws, tmp_path, "rollback", backup, after=3)
    assert sum(raw != world[n] for n, raw in raw_policies().items()) == 1
    finished = run("fix", "rollback", str(backup))
    assert finished.exit_code == 0, finished.output
    assert raw_policies() == world


def test_apply_with_credentials_for_another_account_is_refused(world: dict[str, str], tmp_path: Path) -> None:
    plan = make_plan(tmp_path)
    document = json.loads(plan.read_text())
    other = tmp_path / "other.json"
    text = json.dumps(document).replace(ACCOUNT, "210987654321")
    other.write_text(text)
    from rolescope.remediate.plan import load_plan

    with pytest.raises(Exception, match="edited or damaged"):
        load_plan(json.loads(text))
    bad = run("fix", "apply", str(other))
    assert bad.exit_code == 2 and "edited or damaged" in bad.output
