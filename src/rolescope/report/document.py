"""The ``rolescope.scan/v1`` JSON document: the one structure every other report format reads."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from rolescope import __version__
from rolescope.checks.catalogue import SEVERITIES, load_catalogue, severity_rank
from rolescope.checks.context import path_evidence
from rolescope.checks.finding import Finding
from rolescope.scanner import AccountResult, RoleResult, ScanResult

SCHEMA = "rolescope.scan/v1"


def fingerprint(finding: Finding) -> str:
    """A stable id for a finding: the same problem on the same role keeps it across scans."""
    text = f"{finding.check}|{finding.account_id}|{finding.resource}|{finding.statement}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _role(result: RoleResult) -> dict[str, Any]:
    role, analysis = result.role, result.analysis
    entry: dict[str, Any] = {
        "name": role.name,
        "arn": role.arn,
        "path": role.path,
        "trust_policy": role.trust_policy,
    }
    if analysis is None:
        entry["error"] = result.error
        return entry
    entry.update(
        cross_account=analysis.cross_account,
        public=analysis.public,
        mfa_or_external_id_required=analysis.mfa_or_external_id_required,
        outside_accounts=list(analysis.outside_accounts),
        paths=[path_evidence(p) for p in analysis.paths],
        max_session_duration=role.max_session_duration,
        last_used=role.last_used.isoformat() if role.last_used else None,
    )
    return entry


def _account(account: AccountResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "account_id": account.account_id,
        "alias": account.alias,
        "status": account.status,
        "error": account.error,
        "source": account.source,
        "roles": [_role(r) for r in account.roles],
    }
    if account.api_calls is not None:
        entry["api_calls"] = account.api_calls
    return entry


def finding_entry(finding: Finding, role_names: dict[str, str] | None = None) -> dict[str, Any]:
    """One finding as the document shows it, with its catalogue title, compliance and remediation."""
    info = load_catalogue().checks.get(finding.check)
    name = (role_names or {}).get(finding.resource) or finding.resource.rsplit("/", 1)[-1]
    remediation: dict[str, Any] = {}
    if info is not None:
        remediation = {
            "text": info.remediation.get("text", ""),
            "cli": info.remediation.get("cli", "").format_map(
                _Placeholders(role_name=name, policy_file=f"{name}-trust-policy.json")
            ),
            "terraform": info.remediation.get("terraform", ""),
        }
    entry: dict[str, Any] = {
        "id": fingerprint(finding),
        "check": finding.check,
        "title": info.title if info else finding.check,
        "severity": finding.severity,
        "account_id": finding.account_id,
        "resource": finding.resource,
        "message": finding.message,
        "statement": finding.statement,
        "evidence": finding.evidence,
        "compliance": info.compliance_by_framework() if info else {},
        "remediation": remediation,
        "suppressed": finding.suppressed,
    }
    return entry


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def build_document(result: ScanResult) -> dict[str, Any]:
    """The scan as one JSON-ready document (schema ``rolescope.scan/v1``)."""
    role_names = {r.role.arn: r.role.name for a in result.accounts for r in a.roles}
    findings = sorted(result.findings, key=lambda f: (severity_rank(f.severity), f.account_id, f.resource, f.check))
    counts = Counter(f.severity for f in findings if not f.suppressed)
    org = result.organization
    return {
        "schema": SCHEMA,
        "tool": {"name": "rolescope", "version": __version__},
        "generated_at": result.generated_at.isoformat(),
        "organization": None if org is None else {
            "id": org.org_id,
            "management_account": org.management_account,
            "accounts": sorted(org.account_ids),
        },
        "summary": {
            "accounts": len(result.accounts),
            "failed_accounts": len(result.failed),
            "roles": sum(len(a.roles) for a in result.accounts),
            "findings": {s: counts.get(s, 0) for s in SEVERITIES},
            "suppressed": sum(1 for f in findings if f.suppressed),
        },
        "accounts": [_account(a) for a in result.accounts],
        "findings": [finding_entry(f, role_names) for f in findings],
        "errors": [
            {"check": e.check, "account_id": e.account_id, "resource": e.resource, "error": e.error}
            for e in result.errors
        ],
    }
