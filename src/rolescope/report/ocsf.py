"""OCSF Detection Finding (class 2004) events, one JSON object per line, shaped like Prowler's json-ocsf.

Prowler's output is what SIEM pipelines (Security Lake, OpenSearch, Splunk add-ons) already parse,
so the fields it fills are filled the same way here: ``finding_info``, ``resources`` (with the
partition and the role's trust policy under ``data``), ``cloud.account``, ``severity_id``,
``status_id`` (New, or Suppressed with the reason in ``comment``), ``remediation`` and
``metadata.product``. Detection Finding has no compliance attribute, so, like Prowler, the mapping
goes under ``unmapped.compliance`` as ``{framework: [requirement ids]}``; MITRE ATT&CK techniques are
also given in ``finding_info.attacks``, where OCSF defines them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, BinaryIO

import orjson

from rolescope.policy.arn import parse_arn
from rolescope.report.index import AccountNames
from rolescope.report.model import FindingEntry, ScanDocument

OCSF_VERSION = "1.5.0"
CLASS_UID, CATEGORY_UID, ACTIVITY_CREATE = 2004, 2, 1
SEVERITY_IDS = {"info": (1, "Informational"), "low": (2, "Low"), "medium": (3, "Medium"), "high": (4, "High"),
                "critical": (5, "Critical")}
STATUS_NEW, STATUS_SUPPRESSED = (1, "New"), (3, "Suppressed")
ACCOUNT_TYPE_AWS = (10, "AWS Account")
FINDING_TYPES = ["Software and Configuration Checks/AWS Security Best Practices"]
ATTACK_FRAMEWORK = "MITRE-ATTACK"


def _times(document: ScanDocument) -> tuple[int, str]:
    """The scan time as epoch seconds and as ISO 8601 in UTC with a ``Z``."""
    try:
        moment = datetime.fromisoformat(document.generated_at)
    except ValueError:
        moment = datetime.fromtimestamp(0, UTC)
    epoch = int(moment.timestamp())
    iso = moment.isoformat()
    return epoch, iso[:-6] + "Z" if iso.endswith("+00:00") else iso


def _attacks(requirements: list[dict[str, str]], version: str) -> list[dict[str, Any]]:
    attacks = []
    for requirement in requirements:
        uid, title = requirement["id"], requirement.get("title", "")
        technique_name, _, sub_name = title.partition(": ")
        attack: dict[str, Any] = {"version": version}
        if "." in uid:
            attack["technique"] = {"uid": uid.split(".", 1)[0], "name": technique_name}
            attack["sub_technique"] = {"uid": uid, "name": sub_name or title}
        else:
            attack["technique"] = {"uid": uid, "name": title}
        attacks.append(attack)
    return attacks


def ocsf_finding(finding: FindingEntry, document: ScanDocument, names: AccountNames) -> dict[str, Any]:
    """One finding as an OCSF Detection Finding.

    Args:
        finding: one of the document's findings.
        document: the scan document (for the time, the organisation, the check's text and the role).
        names: account display names.
    """
    check = document.check(finding.check)
    epoch, iso = _times(document)
    severity_id, severity = SEVERITY_IDS.get(finding.severity, (99, finding.severity))
    status_id, status = STATUS_SUPPRESSED if finding.suppressed else STATUS_NEW
    arn = finding.resource
    parsed = parse_arn(arn)
    role = document.role(arn)
    compliance = check.compliance_by_framework()
    organization_id = document.organization.id if document.organization else None

    finding_info: dict[str, Any] = {
        "created_time": epoch,
        "created_time_dt": iso,
        "desc": check.rationale or check.title,
        "title": check.title,
        "uid": f"rolescope-{finding.id}",
        "types": list(FINDING_TYPES),
    }
    if compliance.get(ATTACK_FRAMEWORK):
        framework = document.frameworks.get(ATTACK_FRAMEWORK)
        finding_info["attacks"] = _attacks(compliance[ATTACK_FRAMEWORK], framework.version if framework else "")

    resource: dict[str, Any] = {
        "labels": [],
        "name": document.role_name(arn),
        "uid": arn,
        "group": {"name": "iam"},
        "type": "AwsIamRole",
        "data": {
            "details": finding.message,
            "metadata": {
                "path": role.path if role else None,
                "trust_policy": role.trust.document if role else None,
                "max_session_duration": role.max_session_duration if role else None,
                "last_used": role.last_used if role else None,
                "statement": finding.statement,
                "evidence": document.evidence(finding),
            },
        },
    }
    if parsed is not None:
        resource["cloud_partition"] = parsed.partition

    remediation_block: dict[str, Any] = {"desc": check.remediation.text}
    if check.references:
        remediation_block["references"] = list(check.references)

    account: dict[str, Any] = {
        "name": names.name(finding.account_id) or finding.account_id,
        "type_id": ACCOUNT_TYPE_AWS[0],
        "type": ACCOUNT_TYPE_AWS[1],
        "uid": finding.account_id,
        "labels": [],
    }
    cloud: dict[str, Any] = {"account": account, "provider": "aws"}
    if organization_id:
        cloud["org"] = {"uid": organization_id}

    event: dict[str, Any] = {
        "message": finding.message,
        "metadata": {
            "event_code": finding.check,
            "product": {"name": "rolescope", "uid": "rolescope", "vendor_name": "rolescope",
                        "version": document.tool.version},
            "profiles": ["cloud", "datetime"],
            "version": OCSF_VERSION,
        },
        "severity_id": severity_id,
        "severity": severity,
        "status": status,
        "status_code": "FAIL",
        "status_detail": finding.message,
        "status_id": status_id,
        "unmapped": {
            "check_id": finding.check,
            "related_url": check.references[0] if check.references else "",
            "compliance": {framework: [r["id"] for r in items] for framework, items in compliance.items()},
            "remediation_cli": document.remediation_cli(finding),
            "remediation_terraform": check.remediation.terraform,
            # OCSF has no attribute for a severity other than the producer's usual one, nor for why
            **({"severity_override": finding.overridden.as_json()} if finding.overridden is not None else {}),
        },
        "activity_name": "Create",
        "activity_id": ACTIVITY_CREATE,
        "finding_info": finding_info,
        "resources": [resource],
        "category_name": "Findings",
        "category_uid": CATEGORY_UID,
        "class_name": "Detection Finding",
        "class_uid": CLASS_UID,
        "cloud": cloud,
        "remediation": remediation_block,
        "risk_details": check.risk,
        "time": epoch,
        "time_dt": iso,
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
    }
    if organization_id:
        event["metadata"]["tenant_uid"] = organization_id
    if finding.suppressed:
        event["comment"] = f"suppressed: {finding.suppressed}"
    return event


def write_ocsf(document: ScanDocument, stream: BinaryIO) -> None:
    """Every finding as an OCSF Detection Finding, one compact JSON object per line, written as it is made."""
    names = AccountNames.of(document)
    for finding in document.findings:
        stream.write(orjson.dumps(ocsf_finding(finding, document, names), option=orjson.OPT_APPEND_NEWLINE))
