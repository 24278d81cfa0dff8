"""``rolescope fix``: every bad input is one line and exit 2; the plan's summary and ``show`` read well."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.factories import OUTSIDER, allow, role, trust
from tests.remediate.scans import scan_json

from rolescope.cli.main import cli


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def scan_file(tmp_path: Path) -> Path:
    path = tmp_path / "scan.json"
    path.write_text(json.dumps(scan_json(role("vendor", trust(allow({"AWS": OUTSIDER}))))))
    return path


def test_plan_summary_and_show(scan_file: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    result = run("fix", "plan", "--from", str(scan_file), "--out", str(plan),
                 "--external-id", "Agreed-With-Vendor-0042")
    assert result.exit_code == 0
    assert "1 role to change" in result.output
    assert f"{OUTSIDER}: arn:aws:iam::111122223333:role/vendor ExternalId Agreed-With-Vendor-0042" in result.output
    shown = run("fix", "show", str(plan))
    assert shown.exit_code == 0
    assert '+          "sts:ExternalId": "Agreed-With-Vendor-0042"' in shown.output
    assert "aws iam update-assume-role-policy --role-name vendor" in shown.output
    assert "assume_role_policy = jsonencode({" in shown.output


@pytest.mark.parametrize("args, message", [
    (["fix", "plan", "--from", "missing.json", "--out", "{tmp}/p.json"], "missing.json: no such file"),
    (["fix", "plan", "--from", "{tmp}/notjson", "--out", "{tmp}/p.json"], "not JSON"),
    (["fix", "plan", "--from", "{tmp}/plan.json", "--out", "{tmp}/p.json"], "not a rolescope scan document"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/plan.json"], "exists; pass --force"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--mfa-max-age", "600"], "goes with --guard mfa"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--external-id", "1234"], "fewer than 16"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--check", "nope"], "no such check"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--org-id", "abc"], "'abc' is not an organisation"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--org-id", "o-Bogus"], "is not an organisation id"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--saml-audience", "not a url"], "not a URL"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--saml-audience", "signin.aws.amazon.com/saml"],
     "not a URL"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--external-id", "x"], "16 to 1224 characters"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--account", "12"], "12-digit"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--source-arn", "config"], "not an ARN"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--source-arn", "arn:aws:config:*:*:*"],
     "12-digit account id"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--source-arn", "arn:aws:config:*:1111222233*:*"],
     "12-digit account id"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--source-arn", "arn:aws:config:*:111122223333:"],
     "no resource part"),
    (["fix", "plan", "--from", "{scan}", "--out", "{tmp}/p.json", "--source-arn", "arn:aws:config:*:111122223333:*"],
     "matches none of the service principals"),
    (["fix", "apply", "{scan}"], "not a rolescope plan"),
    (["fix", "apply", "{tmp}/notjson"], "not JSON"),
    (["fix", "apply", "-"], "must be a file"),
    (["fix", "apply", "{tmp}/plan.json", "-I", "abcdefghijklmnop"], "are for the role assumed with --role-name"),
    (["fix", "apply", "{tmp}/plan.json", "--role-name", "arn:aws:iam::1:role/x"], "not an ARN"),
    (["fix", "apply", "{tmp}/plan.json", "-p", "no-such-profile"], "not found"),
    (["fix", "rollback", "{tmp}/none.json", "--role-session-name", "fixer"], "none.json: no such file"),
    # the credential options are the shared ones: each value checked as it is parsed, as for scan
    (["fix", "rollback", "{tmp}/none.json", "--role-session-name", "x"], "role session name 'x': AWS accepts"),
    (["fix", "apply", "{tmp}/plan.json", "--role-name", "Audit", "-T", "100"], "session duration 100 s"),
    (["fix", "apply", "{tmp}/plan.json", "--role-name", "Audit", "--mfa-serial", "arn:aws:iam::1:mfa/a"],
     "MFA device 'arn:aws:iam::1:mfa/a'"),
    (["fix", "apply", "{tmp}/plan.json", "-T", "3600"], "are for the role assumed with --role-name"),
    (["fix", "apply", "{tmp}/plan.json", "--mfa-code", "123456"], "--mfa-code needs --mfa-serial"),
    (["fix", "rollback", "{tmp}/none.json"], "none.json: no such file"),
    (["fix", "rollback", "{scan}"], "not a rolescope backup"),
    (["fix", "show", "{scan}"], "not a rolescope plan"),
])
def test_bad_input_is_one_line_and_exit_2(scan_file: Path, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "notjson").write_text("{ nope")
    assert run("fix", "plan", "--from", str(scan_file), "--out", str(tmp_path / "plan.json")).exit_code == 0
    result = run(*(a.format(tmp=tmp_path, scan=scan_file) for a in args))
    assert result.exit_code == 2, result.output
    assert message in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("rolescope: error:")
              or line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.output


def test_a_json_array_is_not_a_scan_document(tmp_path: Path) -> None:
    array = tmp_path / "arr.json"
    array.write_text("[]")
    result = run("fix", "plan", "--from", str(array), "--out", str(tmp_path / "p.json"))
    assert result.exit_code == 2
    assert result.output == (f"rolescope: error: {array}: not a rolescope scan document (a JSON array, expected an "
                             "object; write one with --format json)\n")
