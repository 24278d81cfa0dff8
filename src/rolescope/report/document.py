"""The ``rolescope.scan/v1`` JSON document: the one structure every other report format reads."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from rolescope import __version__
from rolescope.checks.catalogue import SEVERITIES, CheckInfo, load_catalogue, severity_rank
from rolescope.checks.context import path_evidence
from rolescope.checks.finding import Finding
from rolescope.gc_pause import paused_gc
from rolescope.report.graph_formats import graph_section
from rolescope.report.suppressions import Suppressions
from rolescope.scanner import AccountResult, RoleResult, ScanResult
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.graph import account_graph_part
from rolescope.userfiles import UnreadableFile, read_user_bytes

SCHEMA = "rolescope.scan/v1"


class DocumentError(ValueError):
    """A file that is not a readable ``rolescope.scan/v1`` document; the message is one line."""


@dataclass(frozen=True, slots=True)
class ReportScope:
    """What a scan looked at, so readers of the document know what a missing finding means.

    Attributes:
        checks: the checks that ran (empty: all of them).
        severities: the severities kept (empty: all).
        accounts: the accounts kept (empty: all).
    """

    checks: Sequence[str] = ()
    severities: Sequence[str] = ()
    accounts: Sequence[str] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "checks": sorted(self.checks) or sorted(load_catalogue().checks),
            "severities": [s for s in SEVERITIES if not self.severities or s in self.severities],
            "accounts": sorted(self.accounts) or None,
            "filtered": bool(self.severities or self.accounts),
        }


def fingerprint(finding: Finding, detail: str | None = None) -> str:
    """A stable id for a finding: the same problem on the same role keeps it across scans.

    Args:
        finding: the finding.
        detail: what tells apart findings of one check on one statement (e.g. two weak ExternalId
            values); given only when such findings collide, so other ids never change.
    """
    text = f"{finding.check}|{finding.account_id}|{finding.resource}|{finding.statement}"
    if detail is not None:
        text += f"|{detail}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _unique_ids(findings: Sequence[Finding]) -> list[str]:
    """Each finding's fingerprint; findings that share one are told apart by their message."""
    plain = [fingerprint(f) for f in findings]
    counts = Counter(plain)
    return [fingerprint(f, f.message) if counts[ident] > 1 else ident for f, ident in zip(findings, plain, strict=True)]


class _Shared:
    """Parts many entries of one document repeat, built once and shared: the JSON is the same, the
    memory is not (a compliance mapping per finding, a trust path's evidence per role)."""

    def __init__(self) -> None:
        self._compliance: dict[str, dict[str, list[dict[str, str]]]] = {}
        self._paths: dict[int, tuple[TrustAnalysis, list[dict[str, Any]]]] = {}

    def compliance(self, info: CheckInfo) -> dict[str, list[dict[str, str]]]:
        found = self._compliance.get(info.id)
        if found is None:
            found = self._compliance[info.id] = info.compliance_by_framework()
        return found

    def paths(self, analysis: TrustAnalysis) -> list[dict[str, Any]]:
        found = self._paths.get(id(analysis))  # roles with one trust document in one zone share it
        if found is None:
            found = self._paths[id(analysis)] = (analysis, [path_evidence(p) for p in analysis.paths])
        return found[1]


def _role(result: RoleResult, shared: _Shared | None = None) -> dict[str, Any]:
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
        paths=shared.paths(analysis) if shared is not None else [path_evidence(p) for p in analysis.paths],
        max_session_duration=role.max_session_duration,
        last_used=role.last_used.isoformat() if role.last_used else None,
    )
    return entry


def _account(account: AccountResult, shared: _Shared | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "account_id": account.account_id,
        "alias": account.alias,
        "status": account.status,
        "error": account.error,
        "source": account.source,
        "roles": [_role(r, shared) for r in account.roles],
    }
    if account.api_calls is not None:
        entry["api_calls"] = account.api_calls
    return entry


def finding_entry(finding: Finding, role_names: dict[str, str] | None = None, ident: str | None = None,
                  shared: _Shared | None = None) -> dict[str, Any]:
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
        "id": ident or fingerprint(finding),
        "check": finding.check,
        "title": info.title if info else finding.check,
        "severity": finding.severity,
        "account_id": finding.account_id,
        "resource": finding.resource,
        "message": finding.message,
        "statement": finding.statement,
        "evidence": finding.evidence,
        "compliance": (shared.compliance(info) if shared is not None else info.compliance_by_framework())
        if info else {},
        "remediation": remediation,
        "suppressed": finding.suppressed,
    }
    return entry


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def trust_graph(result: ScanResult) -> dict[str, Any]:
    """The cross-account trust graph of the scanned accounts, as :func:`graph_json` writes it."""
    audited = [
        account_graph_part(a.snapshot, [(r.role, r.analysis) for r in a.roles if r.analysis is not None])
        for a in result.accounts if a.snapshot is not None
    ]
    return graph_section(audited, result.organization)


def build_document(result: ScanResult, *, scope: ReportScope | None = None,
                   suppressions: Suppressions | None = None, graph: bool = True) -> dict[str, Any]:
    """The scan as one JSON-ready document (schema ``rolescope.scan/v1``).

    Args:
        result: the scan (findings already marked suppressed where a suppression applies).
        scope: the checks and filters the scan ran with (default: everything).
        suppressions: the suppressions file the scan used, reported with what expired.
        graph: include the trust graph (``None`` otherwise: reports that do not show it need not
            pay for it on large organisations).

    Returns:
        The document every report format renders.
    """
    with paused_gc():
        return _document(result, scope, suppressions, graph)


def _document(result: ScanResult, scope: ReportScope | None, suppressions: Suppressions | None, graph: bool
              ) -> dict[str, Any]:
    shared = _Shared()
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
            "account_names": {a.account_id: a.name for a in sorted(org.accounts, key=lambda a: a.account_id)
                              if a.name},
        },
        "scope": (scope or ReportScope()).as_json(),
        "summary": {
            "accounts": len(result.accounts),
            "failed_accounts": len(result.failed),
            "roles": sum(len(a.roles) for a in result.accounts),
            "findings": {s: counts.get(s, 0) for s in SEVERITIES},
            "suppressed": sum(1 for f in findings if f.suppressed),
        },
        "accounts": [_account(a, shared) for a in result.accounts],
        "findings": [finding_entry(f, role_names, i, shared)
                     for f, i in zip(findings, _unique_ids(findings), strict=True)],
        "errors": [
            {"check": e.check, "account_id": e.account_id, "resource": e.resource, "error": e.error}
            for e in result.errors
        ],
        "suppressions": suppressions.report(findings) if suppressions is not None else {
            "source": None, "entries": 0, "today": None, "applied": [], "expired": []},
        "graph": trust_graph(result) if graph else None,
    }


def read_document(path: Path) -> dict[str, Any]:
    """Read a scan document written by ``--format json``.

    Raises:
        DocumentError: the file is missing, not JSON, or not a ``rolescope.scan/v1`` document.
    """
    try:
        data = orjson.loads(read_user_bytes(path, "a scan document (JSON)"))
    except UnreadableFile as error:
        raise DocumentError(str(error)) from None
    except orjson.JSONDecodeError as error:
        raise DocumentError(f"{path}: not JSON ({error})") from None
    return check_document(data, str(path))


def check_document(data: Any, source: str) -> dict[str, Any]:
    """``data`` if it has the shape of a scan document, else :class:`DocumentError` naming what is wrong."""
    if not isinstance(data, dict):
        raise DocumentError(f"{source}: expected a JSON object, the rolescope scan document")
    if data.get("schema") != SCHEMA:
        raise DocumentError(f"{source}: not a rolescope scan document (schema {data.get('schema')!r}, "
                            f"expected {SCHEMA!r}; write one with --format json)")
    for key in ("accounts", "findings"):
        if not isinstance(data.get(key), list):
            raise DocumentError(f"{source}: {key!r} must be a list")
    for index, finding in enumerate(data["findings"]):
        if not isinstance(finding, dict):
            raise DocumentError(f"{source}: findings[{index}] is not an object")
        for key in ("id", "check", "severity", "account_id", "resource"):
            if not isinstance(finding.get(key), str):
                raise DocumentError(f"{source}: findings[{index}].{key} is missing or not text")
    for index, account in enumerate(data["accounts"]):
        if not isinstance(account, dict) or not isinstance(account.get("account_id"), str):
            raise DocumentError(f"{source}: accounts[{index}] has no account_id")
    return data
