"""The engine's verdicts on a policy are the same from a template, a plan, Terraform source or a GAAD export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from tests.factories import ACCOUNT, OUTSIDER, allow, gaad, role, trust
from tests.iac.run_cli import report

from rolescope.checks.registry import CHECKS
from rolescope.cli.main import cli

OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
POLICIES: dict[str, dict[str, Any]] = {
    "vendor": trust(allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": "acme"}}, sid="V")),
    "strong-vendor": trust(allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": "k" * 24}})),
    "public": trust(allow({"AWS": "*"})),
    "org-only": trust(allow({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}})),
    "mfa": trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"},
                       condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
    "mfa-if-exists": trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:root"},
                                 condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}})),
    "github": trust(allow({"Federated": OIDC}, "sts:AssumeRoleWithWebIdentity",
                          {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}})),
    "github-repo": trust(allow({"Federated": OIDC}, "sts:AssumeRoleWithWebIdentity",
                               {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}})),
    "service": trust(allow({"Service": "sns.amazonaws.com"})),
    "not-principal": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{OUTSIDER}:root"}, "Action": "sts:AssumeRole"}]},
}
TEMPLATE_CHECKS = {c.id for c in CHECKS if not c.needs_account}
Verdicts = set[tuple[str, str, str, int | None]]


def _from_iac(path: Path) -> Verdicts:
    document = report(path)
    assert not document["errors"] and len(document["roles"]) == len(POLICIES)
    return {(f["resource"].rsplit(".", 1)[-1].replace("-", ""), f["check"], f["severity"], f["statement"])
            for f in document["findings"]}


def _cloudformation(tmp_path: Path) -> Path:
    resources = {name.replace("-", ""): {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": p}}
                 for name, p in POLICIES.items()}
    path = tmp_path / "template.yaml"
    path.write_text(yaml.safe_dump({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}))
    return path


def _plan(tmp_path: Path) -> Path:
    resources = [{"address": f"aws_iam_role.{name.replace('-', '')}", "mode": "managed", "type": "aws_iam_role",
                  "name": name, "values": {"name": name, "assume_role_policy": json.dumps(p)}}
                 for name, p in POLICIES.items()]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"format_version": "1.2", "terraform_version": "1.7.5",
                                "planned_values": {"root_module": {"resources": resources}}}))
    return path


def _terraform_source(tmp_path: Path) -> Path:
    path = tmp_path / "main.tf"
    path.write_text("".join(f'resource "aws_iam_role" "{name.replace("-", "")}" {{\n'
                            f"  assume_role_policy = <<EOT\n{json.dumps(p, indent=2)}\nEOT\n}}\n"
                            for name, p in POLICIES.items()))
    return path


def _from_gaad(tmp_path: Path) -> Verdicts:
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(gaad(*(role(name.replace("-", ""), p) for name, p in POLICIES.items()))))
    out = tmp_path / "scan.json"
    result = CliRunner().invoke(cli, ["scan", "--from", str(path), "--account-id", ACCOUNT, "--format", "json",
                                      "--output", str(out), "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    findings = json.loads(out.read_text())["findings"]
    return {(f["resource"].rsplit("/", 1)[-1], f["check"], f["severity"], f["statement"]) for f in findings
            if f["check"] in TEMPLATE_CHECKS}


def test_template_plan_and_export_give_the_same_findings(tmp_path: Path) -> None:
    exported = _from_gaad(tmp_path)
    assert len({name for name, *_ in exported}) >= 5  # the policies do exercise the checks
    assert _from_iac(_cloudformation(tmp_path)) == exported
    assert _from_iac(_plan(tmp_path)) == exported
    assert _from_iac(_terraform_source(tmp_path)) == exported
