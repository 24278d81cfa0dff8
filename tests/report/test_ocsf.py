"""OCSF: Detection Finding events that Prowler's own models (py-ocsf-models) accept field for field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from tests.report.hostile import SCRIPT_ROLE, hostile_document
from tests.report.render import render

from rolescope.report.ocsf import write_ocsf


def render_ocsf(document: dict[str, Any]) -> bytes:
    return render(write_ocsf, document)


def events(document: dict[str, Any]) -> list[dict[str, Any]]:
    text = render_ocsf(document).decode()
    assert text.endswith("\n") or not text
    return [json.loads(line) for line in text.splitlines()]


def test_one_json_line_per_finding(demo_document: dict[str, Any]) -> None:
    lines = render_ocsf(demo_document).decode().splitlines()
    assert len(lines) == len(demo_document["findings"]) > 0
    assert all(line.startswith("{") and line.endswith("}") for line in lines)
    assert render_ocsf({**demo_document, "findings": []}) == b""


def test_events_round_trip_through_the_ocsf_models(demo_document: dict[str, Any]) -> None:
    # The models ignore unknown keys, so compare the dump with the input: any field the schema does
    # not define, or a value of the wrong type, shows up as a difference.
    for event in events(demo_document):
        model = DetectionFinding.model_validate(event)
        assert json.loads(model.model_dump_json(exclude_none=True)) == event


def test_required_and_prowler_fields(demo_document: dict[str, Any]) -> None:
    organization = demo_document["organization"]["id"]
    for finding, event in zip(demo_document["findings"], events(demo_document), strict=True):
        check = demo_document["checks"][finding["check"]]
        assert (event["class_uid"], event["category_uid"], event["activity_id"], event["type_uid"]) == (
            2004, 2, 1, 200401)
        assert event["class_name"] == "Detection Finding" and event["category_name"] == "Findings"
        assert isinstance(event["time"], int) and event["time_dt"].endswith("Z")
        assert event["metadata"]["product"] == {"name": "rolescope", "uid": "rolescope", "vendor_name": "rolescope",
                                                "version": demo_document["tool"]["version"]}
        assert event["metadata"]["event_code"] == finding["check"]
        assert event["metadata"]["version"] == "1.5.0"
        assert event["metadata"]["tenant_uid"] == organization
        info = event["finding_info"]
        assert info["uid"] == f"rolescope-{finding['id']}" and info["title"] == check["title"] and info["desc"]
        assert (event["severity_id"], event["severity"]) == {
            "critical": (5, "Critical"), "high": (4, "High"), "medium": (3, "Medium"), "low": (2, "Low"),
        }[finding["severity"]]
        assert (event["status_id"], event["status"], event["status_code"]) == (1, "New", "FAIL")
        assert event["message"] == event["status_detail"] == finding["message"]
        [resource] = event["resources"]
        assert resource["uid"] == finding["resource"] and resource["type"] == "AwsIamRole"
        assert resource["cloud_partition"] == "aws" and resource["group"] == {"name": "iam"}
        assert resource["data"]["metadata"]["trust_policy"]["Statement"]
        # the evidence is whole again: the role's trust paths, which v2 keeps once with the role
        assert resource["data"]["metadata"]["evidence"]["paths"]
        account = event["cloud"]["account"]
        assert (account["uid"], account["type_id"], account["type"]) == (finding["account_id"], 10, "AWS Account")
        assert account["name"].startswith("northwind-")
        assert event["cloud"]["provider"] == "aws" and event["cloud"]["org"] == {"uid": organization}
        assert event["remediation"]["desc"] == check["remediation"]["text"]
        assert event["remediation"]["references"][0].startswith("https://")
        assert event["risk_details"]
        assert event["unmapped"]["compliance"] == {
            framework: ids for framework, ids in check["compliance"].items()}
        assert event["unmapped"]["compliance"]["NIST-800-53-Rev5"]


def test_mitre_techniques_become_attacks(demo_document: dict[str, Any]) -> None:
    event = next(e for e in events(demo_document) if e["metadata"]["event_code"] == "oidc-trust-without-subject")
    assert event["finding_info"]["attacks"][0]["technique"] == {"uid": "T1550", "name": "Use Alternate Authentication "
                                                                                      "Material"}
    assert event["finding_info"]["attacks"][0]["sub_technique"] == {"uid": "T1550.001",
                                                                    "name": "Application Access Token"}
    cross = next(e for e in events(demo_document)
                 if e["metadata"]["event_code"] == "cross-account-without-mfa-or-external-id")
    assert {"technique": {"uid": "T1199", "name": "Trusted Relationship"}} in [
        {k: v for k, v in a.items() if k != "version"} for a in cross["finding_info"]["attacks"]]


def test_suppressed_finding_has_status_suppressed_and_the_reason(demo_document: dict[str, Any]) -> None:
    demo_document["findings"][0]["suppressed"] = "accepted in SEC-1"
    event = events(demo_document)[0]
    assert (event["status_id"], event["status"]) == (3, "Suppressed")
    assert event["comment"] == "suppressed: accepted in SEC-1"
    DetectionFinding.model_validate(event)


def test_without_organisation_there_is_no_org(tmp_path: Path) -> None:
    document = hostile_document(tmp_path / "org")
    for event in events(document):
        assert "org" not in event["cloud"] and "tenant_uid" not in event["metadata"]
        assert event["cloud"]["account"]["name"] == event["cloud"]["account"]["uid"]
        DetectionFinding.model_validate(event)
    assert SCRIPT_ROLE in {e["resources"][0]["uid"] for e in events(document)}
