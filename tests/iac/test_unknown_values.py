"""What a value left to deploy time means: any account in a principal, any value in a condition unless pinned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.iac.run_cli import report, write_template

# One role with one Allow statement; what follows it is the statement's principal, action and condition.
ROLE = """\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
"""
VENDOR_TRUST = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Partner:
    Type: String
  ExternalId:
{external_id}
""" + ROLE.replace("{", "{{").replace("}", "}}") + """\
            Principal: {{AWS: !Ref Partner}}
            Action: sts:AssumeRole
            Condition:
              {operator}: {{sts:ExternalId: !Ref ExternalId}}
"""


def checks(tmp_path: Path, external_id: str, operator: str = "StringEquals") -> dict[str, Any]:
    text = VENDOR_TRUST.format(external_id=external_id, operator=operator)
    document = report(write_template(tmp_path, text))
    assert not document["errors"]
    return {f["check"]: f for f in document["findings"]}


def test_an_unresolved_principal_is_another_account(tmp_path: Path) -> None:
    condition = "            Condition:\n              {operator}: {{sts:ExternalId: !Ref ExternalId}}\n"
    text = VENDOR_TRUST.replace(condition, "")
    document = report(write_template(tmp_path, text.format(external_id="    Type: String")))
    (finding,) = document["findings"]
    assert finding["check"] == "cross-account-without-mfa-or-external-id"
    assert "<unresolved parameter Partner>" in finding["message"]
    assert finding["assumptions"] == ["unresolved parameter Partner"]
    assert document["roles"][0]["cross_account"] is True


def test_an_unconstrained_external_id_parameter_is_any_value(tmp_path: Path) -> None:
    found = checks(tmp_path, "    Type: String")
    assert set(found) == {"weak-external-id"}
    assert "<unresolved parameter ExternalId>" in found["weak-external-id"]["message"]


@pytest.mark.parametrize("constraint", [
    "    Type: String\n    MinLength: 32",
    "    Type: String\n    AllowedValues: [Wq3v9LpX2mN8rT5yZ1cB, Hk7dF4jS6gA0eU2iO9pQ]",
])
def test_a_parameter_whose_constraints_pin_a_strong_value_is_an_external_id_requirement(
        tmp_path: Path, constraint: str) -> None:
    assert checks(tmp_path, constraint) == {}


def test_allowed_values_are_each_judged(tmp_path: Path) -> None:
    found = checks(tmp_path, "    Type: String\n    AllowedValues: [Wq3v9LpX2mN8rT5yZ1cB, short]")
    assert "'short'" in found["weak-external-id"]["message"]


def test_a_short_minimum_length_does_not_pin(tmp_path: Path) -> None:
    assert set(checks(tmp_path, "    Type: String\n    MinLength: 4")) == {"weak-external-id"}


def test_under_string_like_a_minimum_length_pins_only_with_a_pattern_that_refuses_wildcards(tmp_path: Path) -> None:
    # any value includes "*", which StringLike matches with every ExternalId: no requirement at all
    assert set(checks(tmp_path, "    Type: String\n    MinLength: 32", "StringLike")) == {
        "weak-external-id", "cross-account-without-mfa-or-external-id"}
    pinned = "    Type: String\n    MinLength: 32\n    AllowedPattern: '[A-Za-z0-9]+'"
    assert checks(tmp_path, pinned, "StringLike") == {}


def test_a_default_resolves(tmp_path: Path) -> None:
    assert checks(tmp_path, "    Type: String\n    Default: Wq3v9LpX2mN8rT5yZ1cB") == {}


def test_the_deploying_account_and_a_role_of_the_same_stack_are_inside(tmp_path: Path) -> None:
    text = """\
Resources:
  Other:
    Type: AWS::IAM::Role
    Properties:
      RoleName: builder
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com},
                                                 Action: sts:AssumeRole}]}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: [!GetAtt Other.Arn, !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"]}
            Action: sts:AssumeRole
"""
    document = report(write_template(tmp_path, text))
    assert document["findings"] == [] and not document["errors"]
    assert [r["cross_account"] for r in document["roles"]] == [False, False]


def test_a_policy_given_as_json_text_through_sub_is_resolved(tmp_path: Path) -> None:
    text = """\
Parameters:
  Partner: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: !Sub |
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::${Partner}:root"},
                        "Action": "sts:AssumeRole"}]}
"""
    (finding,) = report(write_template(tmp_path, text))["findings"]
    assert "<unresolved parameter Partner>" in finding["message"]


@pytest.mark.parametrize(("body", "reason"), [
    ("Principal: {AWS: !Ref Missing}", "Ref to 'Missing', which is neither a parameter nor a resource"),
    ("Principal: {AWS: !FindInMap [Nowhere, a, b]}", "Fn::FindInMap: no 'Nowhere'"),
    ("Principal: {AWS: not-a-principal}", "invalid AWS principal 'not-a-principal'"),
])
def test_what_cannot_be_resolved_or_parsed_is_a_one_line_error_naming_the_resource(
        tmp_path: Path, body: str, reason: str) -> None:
    text = ROLE + f"            {body}\n            Action: sts:AssumeRole\n"
    document = report(write_template(tmp_path, text))
    (error,) = document["errors"]
    assert error["error"].startswith("resource Role (line 2): ") and reason in error["error"]
    assert "\n" not in error["error"] and document["exit_code"] == 2


CONDITIONAL = """\
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Role:
    Type: AWS::IAM::Role
%(resource_condition)s    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - !If
            - IsProd
            - Effect: Allow
              Principal: {Service: ec2.amazonaws.com}
              Action: sts:AssumeRole
            - !Ref AWS::NoValue
          - Effect: Allow
            Principal: {AWS: !If [IsProd, !Ref AWS::AccountId, "*"]}
            Action: sts:AssumeRole
"""


def test_a_statement_left_out_by_no_value_does_not_shift_the_lines_of_the_others(tmp_path: Path) -> None:
    document = report(write_template(tmp_path, CONDITIONAL % {"resource_condition": ""}))
    found = {(f["check"], f["statement"], f["line"], f["when"]) for f in document["findings"]}
    # without IsProd the first statement is gone: the public one is Statement[0], written on line 17
    assert ("public-trust", 0, 17, "IsProd=false") in found


def test_a_resource_that_exists_only_under_a_condition_is_analysed_under_it(tmp_path: Path) -> None:
    document = report(write_template(tmp_path, CONDITIONAL % {"resource_condition": "    Condition: IsProd\n"}))
    assert document["findings"] == [] and not document["errors"]
