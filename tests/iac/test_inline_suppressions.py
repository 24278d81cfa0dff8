"""``# rolescope:ignore <check-id> <reason>`` in YAML and HCL, and ``Metadata.rolescope.ignore`` in CloudFormation."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.iac.run_cli import check_iac, report, write_template

PUBLIC_ROLE = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
{above}  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow{inside}
            Principal: {{AWS: "*"}}
            Action: sts:AssumeRole
"""
REASON = "break-glass role, reviewed in SEC-1234"


def findings(tmp_path: Path, text: str, name: str = "template.yaml") -> dict[str, str | None]:
    document = report(write_template(tmp_path, text, name))
    assert not document["errors"], document["errors"]
    return {f["check"]: f["suppressed"] for f in document["findings"]}


@pytest.mark.parametrize(("above", "inside"), [
    (f"  # rolescope:ignore public-trust {REASON}\n", ""),
    ("", f"  # rolescope:ignore public-trust {REASON}"),
])
def test_a_yaml_comment_in_or_above_the_resource_suppresses_that_check(tmp_path: Path, above: str,
                                                                        inside: str) -> None:
    found = findings(tmp_path, PUBLIC_ROLE.format(above=above, inside=inside))
    assert found == {"public-trust": REASON, "cross-account-without-mfa-or-external-id": None}


def test_a_comment_in_another_resource_does_not_reach_the_role(tmp_path: Path) -> None:
    text = PUBLIC_ROLE.format(above="", inside="").replace(
        "    Type: AWS::S3::Bucket\n", f"    Type: AWS::S3::Bucket\n    # rolescope:ignore public-trust {REASON}\n\n"
        "  Other:\n    Type: AWS::SNS::Topic\n")
    assert findings(tmp_path, text)["public-trust"] is None


def test_suppressed_findings_do_not_fail_the_run(tmp_path: Path) -> None:
    path = write_template(tmp_path, PUBLIC_ROLE.format(above=f"  # rolescope:ignore public-trust {REASON}\n",
                                                       inside=""))
    assert check_iac("--fail-on", "critical", path).exit_code == 0
    assert check_iac("--fail-on", "high", path).exit_code == 1  # the unsuppressed cross-account finding


@pytest.mark.parametrize(("comment", "error"), [
    ("# rolescope:ignore public-trust", "line 4: rolescope:ignore needs a check id and a reason"),
    ("# rolescope:ignore public-trusts because", "line 4: rolescope:ignore 'public-trusts' is not a rolescope check"),
])
def test_a_comment_without_reason_or_with_an_unknown_check_is_an_error(tmp_path: Path, comment: str,
                                                                        error: str) -> None:
    document = report(write_template(tmp_path, PUBLIC_ROLE.format(above=f"  {comment}\n", inside="")))
    assert [e["error"] for e in document["errors"]] == [error]


def test_metadata_needs_a_reason(tmp_path: Path) -> None:
    text = PUBLIC_ROLE.format(above="", inside="").replace(
        "    Type: AWS::IAM::Role\n", "    Type: AWS::IAM::Role\n    Metadata:\n      rolescope:\n"
        "        ignore: [public-trust]\n", 1)
    (error,) = report(write_template(tmp_path, text))["errors"]
    assert "each Metadata.rolescope.ignore entry needs a check id and a reason" in error["error"]


def test_an_hcl_comment_in_the_policy_document_counts_for_the_role_using_it(tmp_path: Path) -> None:
    text = f"""\
data "aws_iam_policy_document" "trust" {{
  // rolescope:ignore public-trust {REASON}
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "AWS"
      identifiers = ["*"]
    }}
  }}
}}

# rolescope:ignore cross-account-without-mfa-or-external-id {REASON}
resource "aws_iam_role" "r" {{
  assume_role_policy = data.aws_iam_policy_document.trust.json
}}

resource "aws_iam_role" "other" {{
  assume_role_policy = data.aws_iam_policy_document.trust.json
}}
"""
    document = report(write_template(tmp_path, text, "main.tf"))
    found = {(f["resource"], f["check"]): f["suppressed"] for f in document["findings"]}
    assert found == {
        ("aws_iam_role.r", "public-trust"): REASON,
        ("aws_iam_role.r", "cross-account-without-mfa-or-external-id"): REASON,
        ("aws_iam_role.other", "public-trust"): REASON,
        ("aws_iam_role.other", "cross-account-without-mfa-or-external-id"): None,
    }
