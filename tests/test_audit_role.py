"""The audit-role templates: cfn-lint clean, rolescope's own checks clean, Terraform that parses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from rolescope.audit_role import COLLECTION_ACTIONS, AuditRole, cloudformation, trust_policy
from rolescope.cli.main import cli

AUDITOR = "arn:aws:iam::111122223333:role/rolescope"
EXTERNAL_ID = "3f1c9a0e7b2d4c58a6e1f0b9d8c7a6b5"


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def lint(text: str) -> list[str]:
    from cfnlint.api import lint as cfn_lint

    return [f"{m.rule.id} {m.message}" for m in cfn_lint(text, regions=["us-east-1"])]


def resolve(value: Any, parameters: dict[str, Any]) -> Any:
    """Substitute each ``Ref`` to a parameter with its default, as a deploy without overrides would."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in parameters:
            return parameters[value["Ref"]]["Default"]
        return {k: resolve(v, parameters) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, parameters) for v in value]
    return value


@pytest.mark.parametrize("output_format, mfa", [("yaml", False), ("json", True)])
def test_cloudformation_passes_cfn_lint_and_rolescope(tmp_path: Path, mfa: bool, output_format: str) -> None:
    args = ["template", "cloudformation", "--auditor", AUDITOR, "--external-id", EXTERNAL_ID, "--format",
            output_format, "--max-session-duration", "7200"] + (["--mfa"] if mfa else [])
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert lint(result.stdout) == []
    template = yaml.safe_load(result.stdout)  # YAML is a superset of JSON
    role = template["Resources"]["AuditRole"]["Properties"]
    trust = resolve(role["AssumeRolePolicyDocument"], template["Parameters"])
    assert trust == trust_policy(AuditRole(AUDITOR, EXTERNAL_ID, mfa))
    assert resolve(role["MaxSessionDuration"], template["Parameters"]) == 7200
    assert role["ManagedPolicyArns"] == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/SecurityAudit"}]
    assert role["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"] == list(COLLECTION_ACTIONS)
    policy = tmp_path / "trust.json"
    policy.write_text(json.dumps(trust))
    checked = run("check-policy", str(policy), "--account-id", "444455556666", "--format", "json",
                  "--fail-on", "medium")
    assert checked.exit_code == 0, checked.output
    verdict = json.loads(checked.stdout)
    assert verdict["findings"] == [] and verdict["mfa_or_external_id_required"] is True


def test_cfn_lint_does_catch_a_broken_template() -> None:
    template = cloudformation(AuditRole(AUDITOR, EXTERNAL_ID))
    template["Resources"]["AuditRole"]["Properties"]["MaxSessionDurationSeconds"] = 3600
    assert lint(json.dumps(template))


def test_stackset_deploys_the_same_role_to_the_ous() -> None:
    result = run("template", "stackset", "--auditor", AUDITOR, "--external-id", EXTERNAL_ID,
                 "--ou", "ou-ab12-cdefgh34", "--ou", "r-ab12", "--region", "eu-west-1")
    assert result.exit_code == 0, result.output
    assert lint(result.stdout) == []
    template = yaml.safe_load(result.stdout)
    stack_set = template["Resources"]["AuditRoleStackSet"]["Properties"]
    assert stack_set["PermissionModel"] == "SERVICE_MANAGED" and stack_set["AutoDeployment"]["Enabled"] is True
    assert template["Parameters"]["OrganizationalUnitIds"]["Default"] == "ou-ab12-cdefgh34,r-ab12"
    assert stack_set["StackInstancesGroup"][0]["Regions"] == ["eu-west-1"]
    inner = json.loads(stack_set["TemplateBody"])
    assert lint(stack_set["TemplateBody"]) == []
    assert inner == cloudformation(AuditRole(AUDITOR, EXTERNAL_ID))
    assert {p["ParameterKey"] for p in stack_set["Parameters"]} == set(inner["Parameters"])


def test_terraform_parses_and_says_the_same() -> None:
    hcl2 = pytest.importorskip("hcl2")
    result = run("template", "terraform", "--auditor", AUDITOR, "--external-id", EXTERNAL_ID, "--mfa")
    assert result.exit_code == 0, result.output
    parsed = hcl2.loads(result.stdout)
    variables = {k.strip('"'): v for block in parsed["variable"] for k, v in block.items()}
    assert variables["auditor_principal"]["default"] == f'"{AUDITOR}"'
    assert variables["external_id"]["default"] == f'"{EXTERNAL_ID}"'
    statement = parsed["data"][1]['"aws_iam_policy_document"']['"rolescope_trust"']["statement"][0]
    assert [(c["test"], c["variable"]) for c in statement["condition"]] == [
        ('"StringEquals"', '"sts:ExternalId"'), ('"Bool"', '"aws:MultiFactorAuthPresent"')]
    resources = {next(iter(r)) for r in parsed["resource"]}
    assert resources == {'"aws_iam_role"', '"aws_iam_role_policy_attachment"', '"aws_iam_role_policy"'}
    assert all(action in result.stdout for action in COLLECTION_ACTIONS)


def test_a_generated_external_id_is_announced(tmp_path: Path) -> None:
    out = tmp_path / "role.yaml"
    result = run("template", "cloudformation", "--auditor", "111122223333", "-o", str(out))
    assert result.exit_code == 0
    assert "trusts every principal of that account" in result.stderr
    generated = result.stderr.split("generated ExternalId ", 1)[1].split(":", 1)[0]
    assert len(generated) == 32
    assert yaml.safe_load(out.read_text())["Parameters"]["ExternalId"]["Default"] == generated


@pytest.mark.parametrize("args, message", [
    (["cloudformation", "--auditor", "*"], "--auditor"),
    (["cloudformation", "--auditor", "arn:aws:iam::1:role/x"], "12 digits"),
    (["cloudformation", "--auditor", "arn:aws:iam::111122223333:oidc-provider/x"], "--auditor"),
    (["cloudformation", "--auditor", AUDITOR, "--external-id", "short"], "fewer than 16"),
    (["cloudformation", "--auditor", AUDITOR, "--role-name", "bad name"], "--role-name"),
    (["cloudformation", "--auditor", AUDITOR, "--ou", "ou-ab12-cdefgh34"], "for the stackset"),
    (["terraform", "--auditor", AUDITOR, "--format", "json"], "--format is for"),
    (["stackset", "--auditor", AUDITOR], "at least one organisational unit"),
    (["stackset", "--auditor", AUDITOR, "--ou", "ou-x"], "expected ou-"),
    (["stackset", "--auditor", AUDITOR, "--ou", "r-ab12", "--region", "mars"], "not a region"),
])
def test_bad_template_options_are_one_line(args: list[str], message: str) -> None:
    result = run("template", *args)
    assert result.exit_code == 2 and message in result.output
    assert result.output.count("rolescope: error:") == 1
