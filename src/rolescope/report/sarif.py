"""SARIF 2.1.0, for code-scanning dashboards: one rule per check, one result per finding.

A role is not a file, so each result is located at the role's ARN, both as the artifact URI (code
scanning requires a physical location) and as a logical location of kind ``resource``. The finding's
stable id is the partial fingerprint, so a dashboard tracks the same problem across scans; a
suppressed finding carries a SARIF suppression with its reason, so it shows as dismissed, not gone.
"""

from __future__ import annotations

import re
from typing import Any, BinaryIO
from urllib.parse import quote

import orjson

from rolescope.report.model import CheckEntry, FindingEntry, ScanDocument

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "rolescope/finding/v1"

# SARIF has three levels; code scanning ranks security alerts by "security-severity" (a CVSS-like
# score: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low).
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def rule_name(check_id: str) -> str:
    """``public-trust`` -> ``PublicTrust``: SARIF rule names are identifiers, not sentences."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", check_id) if part)


def _help_markdown(check: CheckEntry) -> str:
    lines = [f"**{check.title}** ({check.severity})", "", check.rationale, "", f"**Risk.** {check.risk}"]
    remediation = check.remediation
    if remediation.text:
        lines += ["", f"**Remediation.** {' '.join(remediation.text.split())}"]
    if remediation.cli:
        lines += ["", "```sh", remediation.cli, "```"]
    if remediation.terraform:
        lines += ["", f"Terraform: {' '.join(remediation.terraform.split())}"]
    if check.references:
        lines += ["", "References:"] + [f"- <{url}>" for url in check.references]
    return "\n".join(lines)


def _help_text(check: CheckEntry) -> str:
    parts = [check.rationale, f"Risk: {check.risk}"]
    if check.remediation.text:
        parts.append("Remediation: " + " ".join(check.remediation.text.split()))
    return "\n\n".join(parts)


def sarif_rule(check: CheckEntry) -> dict[str, Any]:
    """One check as a SARIF rule."""
    level = LEVELS.get(check.severity, "warning")
    tags = ["security", "aws", "iam", "trust-policy"]
    tags += sorted({f"{r.framework}/{r.id}" for r in check.compliance})
    properties: dict[str, Any] = {"tags": tags, "precision": "high", "problem.severity": level}
    if check.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[check.severity]
    rule: dict[str, Any] = {
        "id": check.id,
        "name": rule_name(check.id),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.rationale},
        "help": {"text": _help_text(check), "markdown": _help_markdown(check)},
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }
    if check.references:
        rule["helpUri"] = check.references[0]
    return rule


def sarif_result(finding: FindingEntry, rule_index: int | None, document: ScanDocument) -> dict[str, Any]:
    """One finding as a SARIF result, located at its role's ARN."""
    severity = finding.severity
    arn = finding.resource
    check = document.check(finding.check)
    result: dict[str, Any] = {
        "ruleId": finding.check,
        "level": LEVELS.get(severity, "warning"),
        "message": {"text": finding.message or check.title},
        "locations": [{
            # a valid URI even when a name holds characters IAM would refuse; real ARNs are unchanged
            "physicalLocation": {"artifactLocation": {"uri": quote(arn, safe="/:+=,.@_-")}},
            "logicalLocations": [{"name": document.role_name(arn), "fullyQualifiedName": arn, "kind": "resource"}],
        }],
        "partialFingerprints": {FINGERPRINT: finding.id},
        "properties": {
            "severity": severity,
            "account_id": finding.account_id,
            "statement": finding.statement,
            "compliance": check.compliance_by_framework(),
        },
    }
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    if severity in SECURITY_SEVERITY:
        result["properties"]["security-severity"] = SECURITY_SEVERITY[severity]
    if finding.overridden is not None:
        result["properties"]["severity_override"] = finding.overridden.as_json()
    if "perimeter" in finding.evidence:  # the organisation's RCPs: what they do to this role
        result["properties"]["perimeter"] = finding.evidence["perimeter"]
    if finding.suppressed:
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": finding.suppressed}]
    return result


def _notifications(document: ScanDocument) -> list[dict[str, Any]]:
    notes = []
    for account in document.failed_accounts:
        notes.append({"level": "error", "message": {
            "text": f"account {account.account_id} was not scanned: {account.error or 'unknown error'}"}})
    for error in document.errors:
        notes.append({"level": "error", "message": {"text": f"{error.check} on {error.resource}: {error.error}"}})
    for expired in document.suppressions.expired:
        notes.append({"level": "warning", "message": {
            "text": f"suppression #{expired.index} expired on {expired.expires}: {expired.reason}"}})
    return notes


def write_sarif(document: ScanDocument, stream: BinaryIO) -> None:
    """The SARIF 2.1.0 log of a scan, written result by result.

    One run: every check of the document's checks table as a rule, every finding as a result.
    """
    rules = [sarif_rule(check) for check in document.checks.values()]
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    notifications = _notifications(document)
    invocation: dict[str, Any] = {"executionSuccessful": not document.failed_accounts}
    if document.generated_at:
        invocation["endTimeUtc"] = document.generated_at
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    driver = {"name": "rolescope", "version": document.tool.version, "semanticVersion": document.tool.version,
              "rules": rules}
    stream.write(b'{"$schema":' + orjson.dumps(SARIF_SCHEMA) + b',"version":"2.1.0","runs":[{"tool":'
                 + orjson.dumps({"driver": driver}) + b',"automationDetails":{"id":"rolescope/trust-policies/"}'
                 + b',"invocations":' + orjson.dumps([invocation]) + b',"results":[')
    for position, finding in enumerate(document.findings):
        stream.write((b",\n" if position else b"\n") + orjson.dumps(sarif_result(finding, index.get(finding.check),
                                                                                document)))
    properties = {"schema": document.schema,
                  "organization": document.organization.as_json() if document.organization else None,
                  "summary": document.summary.as_json()}
    stream.write(b"\n],\"properties\":" + orjson.dumps(properties) + b"}]}\n")
