"""SARIF 2.1.0, for code-scanning dashboards: one rule per check, one result per finding.

A role is not a file, so each result is located at the role's ARN, both as the artifact URI (code
scanning requires a physical location) and as a logical location of kind ``resource``. The finding's
stable id is the partial fingerprint, so a dashboard tracks the same problem across scans; a
suppressed finding carries a SARIF suppression with its reason, so it shows as dismissed, not gone.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import orjson

from rolescope.checks.catalogue import CheckInfo, load_catalogue

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "rolescope/finding/v1"

# SARIF has three levels; code scanning ranks security alerts by "security-severity" (a CVSS-like
# score: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low).
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def rule_name(check_id: str) -> str:
    """``public-trust`` -> ``PublicTrust``: SARIF rule names are identifiers, not sentences."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", check_id) if part)


def _help_markdown(info: CheckInfo) -> str:
    lines = [f"**{info.title}** ({info.severity})", "", info.rationale, "", f"**Risk.** {info.risk}"]
    remediation = info.remediation
    if remediation.get("text"):
        lines += ["", f"**Remediation.** {' '.join(remediation['text'].split())}"]
    if remediation.get("cli"):
        lines += ["", "```sh", remediation["cli"], "```"]
    if remediation.get("terraform"):
        lines += ["", f"Terraform: {' '.join(remediation['terraform'].split())}"]
    if info.references:
        lines += ["", "References:"] + [f"- <{url}>" for url in info.references]
    return "\n".join(lines)


def _help_text(info: CheckInfo) -> str:
    parts = [info.rationale, f"Risk: {info.risk}"]
    if info.remediation.get("text"):
        parts.append("Remediation: " + " ".join(info.remediation["text"].split()))
    return "\n\n".join(parts)


def _rule(info: CheckInfo) -> dict[str, Any]:
    tags = ["security", "aws", "iam", "trust-policy"]
    tags += sorted({f"{r.framework}/{r.id}" for r in info.compliance})
    properties: dict[str, Any] = {"tags": tags, "precision": "high", "problem.severity": LEVELS[info.severity]}
    if info.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[info.severity]
    rule: dict[str, Any] = {
        "id": info.id,
        "name": rule_name(info.id),
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": info.rationale},
        "help": {"text": _help_text(info), "markdown": _help_markdown(info)},
        "defaultConfiguration": {"level": LEVELS[info.severity]},
        "properties": properties,
    }
    if info.references:
        rule["helpUri"] = info.references[0]
    return rule


def _result(finding: dict[str, Any], rule_index: int | None, names: dict[str, str]) -> dict[str, Any]:
    severity = finding["severity"]
    arn = finding["resource"]
    result: dict[str, Any] = {
        "ruleId": finding["check"],
        "level": LEVELS.get(severity, "warning"),
        "message": {"text": finding.get("message") or finding.get("title") or finding["check"]},
        "locations": [{
            # a valid URI even when a name holds characters IAM would refuse; real ARNs are unchanged
            "physicalLocation": {"artifactLocation": {"uri": quote(arn, safe="/:+=,.@_-")}},
            "logicalLocations": [{"name": names.get(arn, arn.rsplit("/", 1)[-1]), "fullyQualifiedName": arn,
                                  "kind": "resource"}],
        }],
        "partialFingerprints": {FINGERPRINT: finding["id"]},
        "properties": {
            "severity": severity,
            "account_id": finding["account_id"],
            "statement": finding.get("statement"),
            "compliance": finding.get("compliance") or {},
        },
    }
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    if severity in SECURITY_SEVERITY:
        result["properties"]["security-severity"] = SECURITY_SEVERITY[severity]
    if finding.get("suppressed"):
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": finding["suppressed"]}]
    return result


def _notifications(document: dict[str, Any]) -> list[dict[str, Any]]:
    notes = []
    for account in document.get("accounts") or ():
        if account.get("status") == "failed":
            notes.append({"level": "error", "message": {
                "text": f"account {account['account_id']} was not scanned: {account.get('error') or 'unknown error'}"}})
    for error in document.get("errors") or ():
        notes.append({"level": "error", "message": {
            "text": f"{error.get('check')} on {error.get('resource')}: {error.get('error')}"}})
    for expired in (document.get("suppressions") or {}).get("expired") or ():
        notes.append({"level": "warning", "message": {
            "text": f"suppression #{expired.get('index')} expired on {expired.get('expires')}: "
                    f"{expired.get('reason')}"}})
    return notes


def build_sarif(document: dict[str, Any]) -> dict[str, Any]:
    """The SARIF log of a scan document.

    Args:
        document: a ``rolescope.scan/v1`` document.

    Returns:
        A SARIF 2.1.0 log with one run: every catalogue check as a rule, every finding as a result.
    """
    catalogue = load_catalogue()
    rules = [_rule(info) for info in catalogue.checks.values()]
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    names = {role["arn"]: role["name"] for account in document.get("accounts") or ()
             for role in account.get("roles") or () if "arn" in role and "name" in role}
    notifications = _notifications(document)
    tool = document.get("tool") or {}
    invocation: dict[str, Any] = {
        "executionSuccessful": not any(a.get("status") == "failed" for a in document.get("accounts") or ()),
    }
    if document.get("generated_at"):
        invocation["endTimeUtc"] = document["generated_at"]
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rolescope",
                "version": str(tool.get("version", "")),
                "semanticVersion": str(tool.get("version", "")),
                "rules": rules,
            }},
            "automationDetails": {"id": "rolescope/trust-policies/"},
            "invocations": [invocation],
            "results": [_result(f, index.get(f["check"]), names) for f in document.get("findings") or ()],
            "properties": {
                "schema": document.get("schema"),
                "organization": document.get("organization"),
                "summary": document.get("summary"),
            },
        }],
    }


def render_sarif(document: dict[str, Any]) -> bytes:
    """The SARIF log as indented JSON."""
    return orjson.dumps(build_sarif(document), option=orjson.OPT_INDENT_2) + b"\n"
