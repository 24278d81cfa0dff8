"""``check-iac`` on many templates: ``python bench/iac.py [--templates 1000] [--repeat 3]``.

Generates a repository-shaped tree: a quarter each of CloudFormation YAML with intrinsics (parameters,
``!Sub``, ``!If``, mappings), CDK-synthesised JSON, Terraform plans and Terraform source (a module
directory of ``main.tf`` + ``variables.tf``), four roles a template, then times
``rolescope check-iac DIR --format json`` and its peak memory (the minimum and median of the runs).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.measure import summary, timed  # noqa: E402
from bench.offline import rolescope_command  # noqa: E402

ACCOUNT = "111122223333"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
KINDS = ("cloudformation", "cdk", "plan", "terraform")


def _policy(number: int) -> dict[str, object]:
    """One of four trust shapes: a vendor with an ExternalId, a CI account, a service, GitHub OIDC."""
    other = f"{200000000000 + number:012d}"
    shape = number % 4
    if shape == 0:
        statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{other}:root"}, "Action": "sts:AssumeRole",
                     "Condition": {"StringEquals": {"sts:ExternalId": f"external-id-{number:08d}"}}}
    elif shape == 1:
        statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{other}:role/ci"},
                     "Action": "sts:AssumeRole"}
    elif shape == 2:
        statement = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    else:
        subject = {"token.actions.githubusercontent.com:sub": f"repo:acme/app{number}:*"}
        statement = {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": GITHUB},
                     "Condition": {"StringLike": subject}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def _cloudformation(number: int) -> str:
    roles = "".join(f"""
  Role{i}:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "app-{number}-{i}-${{Environment}}"
      AssumeRolePolicyDocument:
        Version: 2012-10-17
        Statement:
          - Effect: Allow
            Principal:
              AWS: !If
                - IsProd
                - !Sub "arn:${{AWS::Partition}}:iam::${{Partner}}:root"
                - !FindInMap [Ci, !Ref Environment, Account]
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                sts:ExternalId: !Ref ExternalId
""" for i in range(4))
    return f"""AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Partner: {{Type: String}}
  ExternalId: {{Type: String, MinLength: 32}}
  Environment: {{Type: String, AllowedValues: [dev, prod], Default: dev}}
Mappings:
  Ci:
    dev: {{Account: "444455556666"}}
    prod: {{Account: "555566667777"}}
Conditions:
  IsProd: !Equals [!Ref Environment, prod]
Resources:{roles}"""


def _cdk(number: int) -> str:
    resources = {f"Role{i}ABCDEF": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": _policy(number * 4 + i)}, "Metadata": {"aws:cdk:path": f"Stack{number}/Role{i}"}}
        for i in range(4)}
    return json.dumps({"Resources": resources}, indent=1)


def _plan(number: int) -> str:
    resources = [{"address": f"aws_iam_role.r{i}", "mode": "managed", "type": "aws_iam_role", "name": f"r{i}",
                  "values": {"name": f"r{number}-{i}", "assume_role_policy": json.dumps(_policy(number * 4 + i))}}
                 for i in range(4)]
    return json.dumps({"format_version": "1.2", "terraform_version": "1.7.5",
                       "planned_values": {"root_module": {"resources": resources}}}, indent=2)


def _terraform(number: int) -> tuple[str, str]:
    roles = "".join(f"""
resource "aws_iam_role" "r{i}" {{
  name = "app-{number}-{i}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ AWS = "arn:aws:iam::${{var.partner}}:root" }}
      Action    = "sts:AssumeRole"
      Condition = {{ StringEquals = {{ "sts:ExternalId" = var.external_id }} }}
    }}]
  }})
}}
""" for i in range(4))
    variables = 'variable "partner" {\n  default = "210987654321"\n}\n\nvariable "external_id" {\n  type = string\n}\n'
    return roles, variables


def generate(directory: Path, templates: int) -> None:
    """``templates`` templates under ``directory``, the kinds in turn."""
    for number in range(templates):
        kind = KINDS[number % len(KINDS)]
        home = directory / kind / f"app{number:05d}"
        home.mkdir(parents=True)
        if kind == "cloudformation":
            (home / "template.yaml").write_text(_cloudformation(number))
        elif kind == "cdk":
            (home / f"Stack{number}.template.json").write_text(_cdk(number))
        elif kind == "plan":
            (home / "plan.json").write_text(_plan(number))
        else:
            main, variables = _terraform(number)
            (home / "main.tf").write_text(main)
            (home / "variables.tf").write_text(variables)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rolescope-iac-bench-") as temporary:
        tree = Path(temporary, "repo")
        generate(tree, options.templates)
        report = Path(temporary, "report.json")
        command = [*rolescope_command(), "check-iac", str(tree), "--account-id", ACCOUNT, "--format", "json",
                   "--output", str(report)]
        runs = [timed(command) for _ in range(options.repeat)]
        failed = [run for run in runs if run.exit_code not in (0, 1)]
        if failed:
            sys.exit(f"check-iac failed (exit {failed[0].exit_code}): {failed[0].stderr_tail}")
        document = json.loads(report.read_text())
        stats = summary(runs)
        print(json.dumps({"templates": options.templates, "files": len(document["files"]),
                          "roles": len(document["roles"]), "findings": len(document["findings"]),
                          "errors": len(document["errors"]), **stats}, indent=2))


if __name__ == "__main__":
    main()
