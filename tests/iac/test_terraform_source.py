"""Terraform source read with python-hcl2: jsonencode, heredocs and policy-document data sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.iac.run_cli import FIXTURES, located, report, write_template

VENDOR = FIXTURES / "terraform" / "vendor"


def test_every_role_is_found_at_its_line() -> None:
    document = report(VENDOR)
    assert document["exit_code"] == 0
    assert located(document) == {
        # the data source's first statement block: an unresolved variable as ExternalId is any value
        ("main.tf", "aws_iam_role.vendor", 7, "weak-external-id"),
        # jsonencode with a variable's default (another account) and the caller identity (this account)
        ("main.tf", "aws_iam_role.ci_deploy", 44, "cross-account-without-mfa-or-external-id"),
        # an indented heredoc
        ("main.tf", "aws_iam_role.legacy", 63, "public-trust"),
        ("main.tf", "aws_iam_role.legacy", 63, "cross-account-without-mfa-or-external-id"),
    }
    roles = {r["resource"]: r for r in document["roles"]}
    assert roles["aws_iam_role.vendor"]["cross_account"] is True  # an unresolved principal variable
    assert roles["aws_iam_role.lambda"]["cross_account"] is False


def test_unknowns_are_named_after_the_variable() -> None:
    (finding,) = [f for f in report(VENDOR)["findings"] if f["check"] == "weak-external-id"]
    assert "<unresolved variable external_id>" in finding["message"]
    assert finding["assumptions"] == ["unresolved variable partner_account_id", "unresolved variable external_id"]


def test_a_variable_default_in_another_file_of_the_directory_resolves(tmp_path: Path) -> None:
    role = ('resource "aws_iam_role" "r" {\n  assume_role_policy = jsonencode({Statement = [{Effect = "Allow",\n'
            '    Principal = { AWS = var.trusted }, Action = "sts:AssumeRole"}]})\n}\n')
    write_template(tmp_path, role, "main.tf")
    assert "<unresolved variable trusted>" in report(tmp_path)["findings"][0]["message"]
    write_template(tmp_path, 'variable "trusted" {\n  default = "111122223333"\n}\n', "variables.tf")
    assert report(tmp_path)["findings"] == []  # the deploying account itself


@pytest.mark.parametrize(("text", "reason"), [
    ('resource "aws_iam_role" "r" {\n  assume_role_policy = \n}\n', "not valid HCL"),
    ('resource "aws_iam_role" "r" {\n  assume_role_policy = data.aws_iam_policy_document.gone.json\n}\n',
     "aws_iam_role.r: data.aws_iam_policy_document.gone is not in this file"),
    ('resource "aws_iam_role" "r" {\n  assume_role_policy = var.policy\n}\n',
     "aws_iam_role.r: assume_role_policy is ${var.policy}, which rolescope cannot read from source"),
    ('resource "aws_iam_role" "r" {\n  assume_role_policy = "{not json"\n}\n', "assume_role_policy is not JSON"),
])
def test_what_cannot_be_read_is_a_one_line_error(tmp_path: Path, text: str, reason: str) -> None:
    write_template(tmp_path, text, "bad.tf")
    (tmp_path / "good").mkdir()
    good = write_template(tmp_path / "good", (
        'resource "aws_iam_role" "ok" {\n  assume_role_policy = jsonencode({Statement = [{Effect = "Allow",\n'
        '    Principal = { AWS = "*" }, Action = "sts:AssumeRole"}]})\n}\n'), "good.tf")
    document = report(tmp_path / "bad.tf", good)
    (error,) = document["errors"]
    assert reason in error["error"] and "\n" not in error["error"]
    assert {f["resource"] for f in document["findings"]} == {"aws_iam_role.ok"}


def test_a_directory_of_many_files_is_parsed_once_not_once_per_file(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from rolescope.iac import hcl

    for number in range(6):
        write_template(tmp_path, f'variable "v{number}" {{\n  default = "x"\n}}\n', f"f{number}.tf")
    calls = []
    parse = hcl._parse
    monkeypatch.setattr(hcl, "_parse", lambda text: calls.append(text) or parse(text))
    assert len(report(tmp_path)["files"]) == 6 and len(calls) == 6  # each file once
