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
from typing import Any

import orjson

from rolescope.checks.catalogue import load_catalogue
from rolescope.policy.arn import parse_arn
from rolescope.report.index import DocumentIndex

OCSF_VERSION = "1.5.0"
CLASS_UID, CATEGORY_UID, ACTIVITY_CREATE = 2004, 2, 1
SEVERITY_IDS = {"info": (1, "Informational"), "low": (2, "Low"), "medium": (3, "Medium"), "high": (4, "High"),
                "critical": (5, "Critical")}
STATUS_NEW, STATUS_SUPPRESSED = (1, "New"), (3, "Suppressed")
ACCOUNT_TYPE_AWS = (10, "AWS Account")
FINDING_TYPES = ["Software and Configuration Checks/AWS Security Best Practices"]
ATTACK_FRAMEWORK = "MITRE-ATTACK"


def _times(document: dict[str, Any]) -> tuple[int, str]:
    """The scan time as epoch seconds and as ISO 8601 in UTC with a ``Z``."""
    text = str(document.get("generated_at") or "")
    try:
        moment = datetime.fromisoformat(text)
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


def ocsf_finding(finding: dict[str, Any], document: dict[str, Any], index: DocumentIndex) -> dict[str, Any]:
    """One finding as an OCSF Detection Finding.

    Args:
        finding: an entry of the document's ``findings``.
        document: the scan document (for the time, the organisation and the role's trust policy).
        index: look-ups over ``document``.
    """
    catalogue = load_catalogue()
    info = catalogue.checks.get(finding["check"])
    epoch, iso = _times(document)
    severity_id, severity = SEVERITY_IDS.get(finding["severity"], (99, finding["severity"]))
    status_id, status = STATUS_SUPPRESSED if finding.get("suppressed") else STATUS_NEW
    arn = finding["resource"]
    parsed = parse_arn(arn)
    role = index.roles.get(arn, {})
    compliance: dict[str, list[dict[str, str]]] = finding.get("compliance") or {}
    organization = document.get("organization") or {}
    tool = document.get("tool") or {}

    finding_info: dict[str, Any] = {
        "created_time": epoch,
        "created_time_dt": iso,
        "desc": info.rationale if info else finding.get("title", ""),
        "title": finding.get("title") or finding["check"],
        "uid": f"rolescope-{finding['id']}",
        "types": list(FINDING_TYPES),
    }
    if compliance.get(ATTACK_FRAMEWORK):
        framework = catalogue.frameworks.get(ATTACK_FRAMEWORK)
        finding_info["attacks"] = _attacks(compliance[ATTACK_FRAMEWORK], framework.version if framework else "")

    resource: dict[str, Any] = {
        "labels": [],
        "name": index.role_name(arn),
        "uid": arn,
        "group": {"name": "iam"},
        "type": "AwsIamRole",
        "data": {
            "details": finding.get("message", ""),
            "metadata": {
                "path": role.get("path"),
                "trust_policy": role.get("trust_policy"),
                "max_session_duration": role.get("max_session_duration"),
                "last_used": role.get("last_used"),
                "statement": finding.get("statement"),
                "evidence": finding.get("evidence") or {},
            },
        },
    }
    if parsed is not None:
        resource["cloud_partition"] = parsed.partition

    remediation = finding.get("remediation") or {}
    remediation_text = remediation.get("text") or (info.remediation.get("text", "") if info else "")
    remediation_block: dict[str, Any] = {"desc": remediation_text}
    if info and info.references:
        remediation_block["references"] = list(info.references)

    account: dict[str, Any] = {
        "name": index.account_name(finding["account_id"]) or finding["account_id"],
        "type_id": ACCOUNT_TYPE_AWS[0],
        "type": ACCOUNT_TYPE_AWS[1],
        "uid": finding["account_id"],
        "labels": [],
    }
    cloud: dict[str, Any] = {"account": account, "provider": "aws"}
    if organization.get("id"):
        cloud["org"] = {"uid": organization["id"]}

    event: dict[str, Any] = {
        "message": finding.get("message", ""),
        "metadata": {
            "event_code": finding["check"],
            "product": {"name": "rolescope", "uid": "rolescope", "vendor_name": "rolescope",
                        "version": str(tool.get("version", ""))},
            "profiles": ["cloud", "datetime"],
            "version": OCSF_VERSION,
        },
        "severity_id": severity_id,
        "severity": severity,
        "status": status,
        "status_code": "FAIL",
        "status_detail": finding.get("message", ""),
        "status_id": status_id,
        "unmapped": {
            "check_id": finding["check"],
            "related_url": info.references[0] if info and info.references else "",
            "compliance": {framework: [r["id"] for r in items] for framework, items in compliance.items()},
            "remediation_cli": remediation.get("cli", ""),
            "remediation_terraform": remediation.get("terraform", ""),
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
        "risk_details": info.risk if info else "",
        "time": epoch,
        "time_dt": iso,
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
    }
    if organization.get("id"):
        event["metadata"]["tenant_uid"] = organization["id"]
    if finding.get("suppressed"):
        event["comment"] = f"suppressed: {finding['suppressed']}"
    return event


def render_ocsf(document: dict[str, Any]) -> bytes:
    """Every finding as an OCSF Detection Finding, one compact JSON object per line."""
    index = DocumentIndex.of(document)
    lines = [orjson.dumps(ocsf_finding(f, document, index)) + b"\n" for f in document.get("findings") or ()]
    return b"".join(lines)
