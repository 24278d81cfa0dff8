"""The data the HTML report renders on demand: findings, roles, policies and fixes, each said once.

The page builds a finding's details, a role's policy or a fix only when someone opens it, from this
one embedded object. Whatever many findings or roles share is kept once and referred to by index: a
check's text and compliance mapping, a trust policy, a list of ways in, a corrected policy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import asdict
from typing import Any

import orjson

from rolescope.checks.catalogue import severity_rank
from rolescope.report.fixes import Fixes
from rolescope.report.index import AccountNames
from rolescope.report.model import FindingEntry, RoleEntry, ScanDocument
from rolescope.report.perimeter_view import perimeter_view

REQUIREMENT_LABELS = {
    "mfa": "MFA", "external_id": "ExternalId", "mfa_or_external_id": "MFA or ExternalId", "org": "organisation",
    "principal_account": "principal account", "principal_arn": "principal ARN", "source_account": "source account",
    "source_arn": "source ARN", "source_org": "source organisation", "source_ip": "source IP",
    "source_vpc": "source VPC", "saml_aud": "SAML audience", "oidc_aud": "OIDC audience", "oidc_sub": "OIDC subject",
}


class Table:
    """Values kept once, in first-seen order: ``add`` returns the index of an equal value."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._index: dict[Hashable, int] = {}

    def add(self, value: Any) -> int:
        key = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.values)
            self.values.append(value)
        return found


def highlighted_statements(finding: FindingEntry) -> frozenset[int]:
    """The statements a finding is about: its own, and those its evidence lists as open or public."""
    indexes = {finding.statement} if finding.statement is not None else set()
    for key in ("unguarded_statements", "public_statements"):
        indexes.update(i for i in finding.evidence.get(key) or () if isinstance(i, int))
    return frozenset(indexes)


def verdict(role: RoleEntry) -> str:
    """The role's trust in one word, as the roles table shows it."""
    trust = role.trust
    if trust.error is not None:
        return "unreadable"
    if trust.public:
        return "public"
    if trust.cross_account:
        return "guarded" if trust.mfa_or_external_id_required else "unguarded"
    return "internal"


def _checks(document: ScanDocument) -> dict[str, Any]:
    checks = {}
    for check_id in sorted({f.check for f in document.findings}):
        check = document.check(check_id)
        checks[check_id] = {
            "title": check.title, "rationale": check.rationale, "risk": check.risk,
            "references": list(check.references), "compliance": check.compliance_by_framework(),
            "remediation": {"text": check.remediation.text, "cli": check.remediation.cli,
                            "terraform": check.remediation.terraform},
        }
    return checks


def _compact(entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` without its empty values: the page reads a missing key as empty."""
    return {k: v for k, v in entry.items()
            if v is not None and v is not False and not (isinstance(v, str | list | dict) and not v)}


def _mentioned_names(document: ScanDocument, names: AccountNames) -> dict[str, str]:
    """The names of the accounts the page mentions (not the whole vendor list)."""
    mentioned = set(document.scanned_accounts) | {f.account_id for f in document.findings}
    mentioned.update(a for account in document.accounts for role in account.roles for a in role.trust.outside_accounts)
    mentioned.update(str(n["account"]) for n in (document.graph or {}).get("nodes") or () if n.get("account"))
    return {a: names.names[a] for a in sorted(mentioned) if a in names.names}


def page_data(document: ScanDocument, fixes: Fixes, names: AccountNames) -> dict[str, Any]:
    """The object the page renders its findings, roles, policies and fixes from.

    Args:
        document: the scan document.
        fixes: its corrected policies.
        names: account display names.

    Returns:
        ``checks`` (by id), ``roles`` (sorted by open findings), ``findings`` (by severity), and the
        shared ``policies``, ``paths``, ``fixes`` and ``perimeters`` (verdicts in words with their deciding
        statements) they point into; role indexes are into ``roles``.
    """
    policies, paths, fix_table, perimeters = Table(), Table(), Table(), Table()

    def perimeter(facts: Any) -> int | None:
        return perimeters.add(perimeter_view(facts, names)) if isinstance(facts, dict) else None

    open_findings = Counter(f.resource for f in document.findings if not f.suppressed)
    entries = [role for account in document.accounts for role in account.roles]
    entries.sort(key=lambda r: (-open_findings.get(r.arn, 0), r.arn.split(":")[4] if r.arn.count(":") >= 5 else "",
                                r.name or r.arn))
    role_index = {role.arn: i for i, role in enumerate(entries)}
    account_of = {role.arn: account.account_id for account in document.accounts for role in account.roles}
    roles = [_compact({
        "arn": role.arn, "name": role.name or role.arn.rsplit("/", 1)[-1], "account": account_of[role.arn],
        "verdict": verdict(role), "findings": open_findings.get(role.arn, 0),
        "policy": policies.add(role.trust.document), "paths": paths.add([dict(p) for p in role.trust.paths]),
        "error": role.trust.error, "outside": list(role.trust.outside_accounts),
        "session": role.max_session_duration, "used": role.last_used,
        "perimeter": perimeter(dict(role.perimeter)) if role.perimeter is not None else None,
    }) for role in entries]
    ordered = sorted(document.findings, key=lambda f: (bool(f.suppressed), severity_rank(f.severity),
                                                       f.account_id, f.resource, f.check))
    findings = []
    fix_of: dict[int, int] = {}  # a role's corrected policy is one object for all the findings it closes
    for finding in ordered:
        statements = highlighted_statements(finding)
        evidence = document.evidence(finding)
        ways = [p for p in evidence.get("paths") or () if not statements or p.get("statement") in statements]
        fix = fixes.by_finding.get(finding.id)
        if fix is not None and id(fix) not in fix_of:
            fix_of[id(fix)] = fix_table.add(asdict(fix))
        role = role_index.get(finding.resource)
        role_perimeter = roles[role].get("perimeter") if role is not None else None
        findings.append(_compact({
            "id": finding.id, "check": finding.check, "severity": finding.severity, "account": finding.account_id,
            "resource": finding.resource, "role": role,
            "name": document.role_name(finding.resource), "message": finding.message,
            "suppressed": finding.suppressed, "overridden": asdict(finding.overridden) if finding.overridden else None,
            "highlight": sorted(statements), "paths": paths.add(ways) if ways else None,
            "fix": fix_of[id(fix)] if fix is not None else None,
            "noFix": fixes.reasons.get((finding.resource, finding.check)),
            "perimeter": perimeter(evidence.get("perimeter")) if "perimeter" in evidence else role_perimeter,
        }))
    return {
        "checks": _checks(document), "accounts": _mentioned_names(document, names),
        "roles": roles, "findings": findings,
        "policies": policies.values, "paths": paths.values, "fixes": fix_table.values,
        "perimeters": perimeters.values,
        "requirements": REQUIREMENT_LABELS, "fixError": fixes.error,
    }
