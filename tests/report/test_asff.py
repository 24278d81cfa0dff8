"""ASFF: findings that botocore's own BatchImportFindings model accepts, with ids stable across scans."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator
from click.testing import CliRunner
from tests.report.render import render

from rolescope.cli.main import cli
from rolescope.report.asff import asff_writer, cut, product_arn

REGION = "eu-west-1"


def batch_import_errors(findings: list[dict[str, Any]]) -> str:
    """What botocore's parameter validation says of a BatchImportFindings call with these findings ("" if valid)."""
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    return ParamValidator().validate({"Findings": findings}, shape).generate_report()


def asff(document: dict[str, Any], region: str = REGION) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = json.loads(render(asff_writer(region), document))
    return findings


def test_every_finding_is_valid_batch_import_input(demo_document: dict[str, Any]) -> None:
    findings = asff(demo_document)
    assert len(findings) == len(demo_document["findings"]) > 0
    assert batch_import_errors(findings) == ""
    assert batch_import_errors([{**findings[0], "Severity": {"Label": 3}}]) != ""  # the validator does validate


def test_fields_follow_the_finding_and_its_check(demo_document: dict[str, Any]) -> None:
    labels = {"critical": "CRITICAL", "high": "HIGH", "medium": "MEDIUM", "low": "LOW", "info": "INFORMATIONAL"}
    for finding, found in zip(demo_document["findings"], asff(demo_document), strict=True):
        check = demo_document["checks"][finding["check"]]
        account = finding["account_id"]
        assert found["Id"] == "rolescope/" + finding["id"]
        assert found["ProductArn"] == f"arn:aws:securityhub:{REGION}:{account}:product/{account}/default"
        assert (found["AwsAccountId"], found["Region"], found["GeneratorId"]) == (
            account, REGION, "rolescope/" + finding["check"])
        assert found["Severity"] == {"Label": labels[finding["severity"]], "Original": finding["severity"]}
        assert found["Title"] == check["title"]
        assert found["Resources"][0]["Type"] == "AwsIamRole" and found["Resources"][0]["Id"] == finding["resource"]
        requirements = [f"{framework}/{r}" for framework, ids in check["compliance"].items() for r in ids]
        assert found["Compliance"] == {"Status": "FAILED", **({"RelatedRequirements": requirements[:32]}
                                                                if requirements else {})}
        assert found["Remediation"]["Recommendation"]["Url"] == check["references"][0]
        assert found["Remediation"]["Recommendation"]["Text"] == cut(check["remediation"]["text"], 512)
        assert found["ProductFields"]["rolescope/check"] == finding["check"]


def test_the_role_and_its_trust_policy_are_the_resource_details(demo_document: dict[str, Any]) -> None:
    roles = {r["arn"]: (r, account["trusts"][r["trust"]]) for account in demo_document["accounts"]
             for r in account.get("roles", [])}
    for found in asff(demo_document):
        resource = found["Resources"][0]
        role, trust = roles[resource["Id"]]
        details = resource["Details"]["AwsIamRole"]
        assert details["RoleName"] == role["name"]
        assert json.loads(details["AssumeRolePolicyDocument"]) == trust["document"]


def test_ids_are_the_same_in_every_scan_and_unique(demo_document: dict[str, Any]) -> None:
    first = [f["Id"] for f in asff(demo_document)]
    later = [f["Id"] for f in asff({**demo_document, "generated_at": "2030-01-01T00:00:00+00:00"})]
    assert first == later and len(set(first)) == len(first)


def test_partitions_and_time(demo_document: dict[str, Any]) -> None:
    assert product_arn("111122223333", "cn-north-1", "aws-cn") == (
        "arn:aws-cn:securityhub:cn-north-1:111122223333:product/111122223333/default")
    demo_document["generated_at"] = "2026-11-23T10:00:00+01:00"
    found = asff(demo_document)[0]
    assert found["CreatedAt"] == found["UpdatedAt"] == "2026-11-23T09:00:00.000Z"


def test_suppressed_findings_say_so(demo_document: dict[str, Any]) -> None:
    demo_document["findings"][0]["suppressed"] = "accepted by the platform team"
    found = asff(demo_document)[0]
    assert found["Workflow"] == {"Status": "SUPPRESSED"}
    assert found["Note"]["Text"] == "suppressed: accepted by the platform team"
    assert batch_import_errors([found]) == ""


@pytest.mark.parametrize("length", [10, 2000])
def test_long_text_is_cut_to_security_hubs_limits(demo_document: dict[str, Any], length: int) -> None:
    demo_document["findings"][0]["message"] = "m" * length
    description = asff(demo_document)[0]["Description"]
    assert description == "m" * length if length <= 1024 else description == "m" * 1023 + "…"


def test_no_findings_is_an_empty_array(demo_document: dict[str, Any]) -> None:
    assert asff({**demo_document, "findings": []}) == []


def test_demo_writes_asff_for_the_region_asked(tmp_path: Any) -> None:
    target = tmp_path / "findings.asff.json"
    result = CliRunner().invoke(cli, ["demo", "--format", "asff", "--output", str(target),
                                      "--security-hub-region", "ap-southeast-2"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    findings = json.loads(target.read_text())
    assert findings and {f["Region"] for f in findings} == {"ap-southeast-2"}
    assert batch_import_errors(findings) == ""
