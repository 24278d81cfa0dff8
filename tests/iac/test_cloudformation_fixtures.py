"""Real-world-shaped CloudFormation, SAM and CDK templates: the expected findings at the expected lines."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.iac.run_cli import FIXTURES, check_iac, located, report

CLOUDFORMATION = FIXTURES / "cloudformation"
SARIF_SCHEMA = Path(__file__).parents[1] / "report" / "data" / "sarif-schema-2.1.0.json"


def test_every_role_is_found_with_its_line_and_resource() -> None:
    document = report(CLOUDFORMATION)
    assert document["exit_code"] == 0
    assert located(document) == {
        # an unresolved ExternalId parameter without constraints is any value: weak
        ("vendor-access.yaml", "VendorRole", 41, "weak-external-id"),
        # !Join over a parameter's default (another account) and the public branch of !If
        ("vendor-access.yaml", "DeployRole", 70, "cross-account-without-mfa-or-external-id"),
        ("vendor-access.yaml", "DeployRole", 74, "public-trust"),
        # CDK's Fn::Join of the partition; a GitHub OIDC trust without a subject
        ("CdkStack.template.json", "CrossAccountReadRole1A2B3C4D", 8, "cross-account-without-mfa-or-external-id"),
        ("CdkStack.template.json", "GithubDeployRoleB2C3D4E5", 39, "oidc-trust-without-subject"),
        ("CdkStack.template.json", "GithubDeployRoleB2C3D4E5", 39, "public-trust"),
        # SAM: a parameter in the principal's account field is any account (suppressed in Metadata)
        ("sam-function.yaml", "ProcessorRole", 33, "cross-account-without-mfa-or-external-id"),
        # SAM's function-level AssumeRolePolicyDocument (a comment above suppresses the first)
        ("sam-function.yaml", "ScheduledFunction", 47, "service-trust-without-source-condition"),
        ("sam-function.yaml", "ScheduledFunction", 51, "cross-account-without-mfa-or-external-id"),
    }
    roles = {(Path(r["file"]).name, r["resource"]): r for r in document["roles"]}
    assert len(roles) == 9  # every AWS::IAM::Role and SAM function with a trust policy, nothing else
    assert roles["vendor-access.yaml", "LambdaRole"]["cross_account"] is False
    assert roles["vendor-access.yaml", "AuditRole"]["cross_account"] is True  # the mapping's auditor account


def test_an_unresolved_principal_is_named_by_what_it_stands_for() -> None:
    document = report(CLOUDFORMATION / "sam-function.yaml")
    (finding,) = [f for f in document["findings"] if f["resource"] == "ProcessorRole"]
    assert "arn:aws:iam::<unresolved parameter PipelineAccountId>:role/deploy" in finding["message"]
    assert finding["assumptions"] == ["unresolved parameter PipelineAccountId"]
    assert finding["suppressed"] == "the pipeline account is ours, outside the organisation only until the migration"


def test_a_finding_only_one_branch_has_names_the_branch() -> None:
    findings = {f["check"]: f for f in report(CLOUDFORMATION / "vendor-access.yaml")["findings"]}
    assert findings["public-trust"]["when"] == "IsProd=false"
    assert findings["cross-account-without-mfa-or-external-id"]["when"] is None  # both branches have it


def test_json_templates_are_read_with_lines_too() -> None:
    (finding, *_) = report(CLOUDFORMATION / "CdkStack.template.json")["findings"]
    assert finding["line"] == 8


def test_a_broken_file_is_reported_and_the_others_are_still_checked() -> None:
    result = check_iac("--format", "json", FIXTURES)
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert [e["file"] for e in document["errors"]] == [str(FIXTURES / "broken.yaml").removeprefix(
        str(Path.cwd()) + "/")]
    assert "line 7" in document["errors"][0]["error"]
    others = [report(CLOUDFORMATION), report(FIXTURES / "terraform")]
    assert len(document["findings"]) == sum(len(other["findings"]) for other in others)
    assert document["skipped"] == [document["errors"][0]["file"].replace("broken", "not-a-template")]
    assert result.stderr.count("\n") == 1 and "broken.yaml: not valid YAML or JSON at line 7" in result.stderr


def test_fail_on_counts_only_unsuppressed_findings() -> None:
    sam = CLOUDFORMATION / "sam-function.yaml"
    assert check_iac("--fail-on", "medium", sam).exit_code == 1  # ScheduledFunction's open high finding
    assert check_iac("--fail-on", "critical", sam).exit_code == 0
    assert check_iac("--fail-on", "high", CLOUDFORMATION / "vendor-access.yaml").exit_code == 1
    assert check_iac("--fail-on", "critical", CLOUDFORMATION / "vendor-access.yaml").exit_code == 1


@cache
def _validator() -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text()), format_checker=jsonschema.FormatChecker())


def test_sarif_points_at_the_file_and_line_and_is_valid() -> None:
    result = check_iac("--format", "sarif", CLOUDFORMATION)
    log: dict[str, Any] = json.loads(result.stdout)
    assert not list(_validator().iter_errors(log))
    (run,) = log["runs"]
    places = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
               r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"]) for r in run["results"]}
    assert ("tests/iac/fixtures/cloudformation/vendor-access.yaml", 74, "public-trust") in places
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert [r["locations"][0]["logicalLocations"][0]["name"] for r in suppressed] == ["ProcessorRole",
                                                                                   "ScheduledFunction"]
    ids = [r["partialFingerprints"]["rolescope/finding/v1"] for r in run["results"]]
    assert len(set(ids)) == len(ids)


def test_csv_has_a_row_per_finding_with_file_and_line() -> None:
    rows = check_iac("--format", "csv", CLOUDFORMATION / "vendor-access.yaml").stdout.splitlines()
    assert rows[0].startswith("severity,status,check,file,line,resource")
    assert len(rows) == 4
    assert any("tests/iac/fixtures/cloudformation/vendor-access.yaml,74,DeployRole," in row for row in rows[1:])


def test_yaml_aliases_are_refused_before_they_multiply(tmp_path: Path) -> None:
    laughs = "".join(f"  l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 9))
    path = tmp_path / "laughs.yaml"
    path.write_text(f"AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  l0: &l0 [lol]\n{laughs}")
    document = report(path)
    assert [e["error"] for e in document["errors"]] == [
        "not valid YAML or JSON at line 4: YAML aliases (*name) are not read in templates"]


def test_control_characters_in_a_template_reach_the_terminal_shown_not_run(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text('Resources:\n  "Role\\e]0;owned\\a":\n    Type: AWS::IAM::Role\n    Properties:\n'
                    '      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {AWS: "*"}, '
                    'Action: "sts:AssumeRole"}]}\n')
    output = check_iac(path).stdout
    assert "public-trust" in output and "\x1b" not in output and "\a" not in output


@pytest.mark.parametrize("text", [
    "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: Service\n",  # a Kubernetes manifest
    "metadata:\n  name: {{ .Release.Name }}\n  labels: {{- include \"x\" . | nindent 4 }}\n",  # a Helm template
])
def test_yaml_that_is_no_template_is_skipped_even_when_it_does_not_parse(tmp_path: Path, text: str) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(text)
    document = report(tmp_path)
    assert document["errors"] == [] and document["skipped"] == [str(path)] and document["exit_code"] == 0
