"""``check-iac``'s reports: console for people, JSON for scripts, SARIF for code scanning, CSV for sheets."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any
from urllib.parse import quote

import orjson

from rolescope import __version__
from rolescope.iac.evaluate import IacFinding
from rolescope.iac.run import IacResult
from rolescope.report.csv_report import csv_cell
from rolescope.report.entries import checks_table
from rolescope.report.sarif import FINGERPRINT, LEVELS, SARIF_SCHEMA, SECURITY_SEVERITY, sarif_rule

CHECK_IAC_SCHEMA = "rolescope.check-iac/v1"
FORMATS = ("console", "json", "sarif", "csv")
CSV_COLUMNS = ("severity", "status", "check", "file", "line", "resource", "statement", "when", "assumptions",
               "message", "suppression_reason")


def finding_id(finding: IacFinding) -> str:
    """A stable id: the same problem in the same resource keeps it across runs and line moves."""
    key = "\0".join((finding.check, finding.path, finding.resource, str(finding.statement), finding.when or ""))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _finding_json(finding: IacFinding) -> dict[str, Any]:
    return {
        "id": finding_id(finding), "check": finding.check, "severity": finding.severity, "file": finding.path,
        "line": finding.line or None, "resource": finding.resource, "statement": finding.statement,
        "message": finding.message, "when": finding.when, "assumptions": list(finding.assumptions),
        "suppressed": finding.suppressed,
    }


def render_json(result: IacResult, account_id: str) -> str:
    """The whole result as one JSON document (schema ``rolescope.check-iac/v1``)."""
    document = {
        "schema": CHECK_IAC_SCHEMA,
        "account_id": account_id,
        "files": result.files,
        "skipped": result.skipped,
        "roles": [{"file": v.role.path, "resource": v.role.resource, "line": v.role.line or None,
                   "cross_account": v.cross_account, "public": v.public, "check_errors": list(v.errors)}
                  for v in result.verdicts],
        "findings": [_finding_json(f) for f in result.findings],
        "errors": [{"file": e.path, "error": e.error} for e in result.errors],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"


def render_csv(result: IacResult) -> str:
    """One row per finding; cells made inert for spreadsheets."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for f in result.findings:
        row = {"severity": f.severity, "status": "suppressed" if f.suppressed else "open", "check": f.check,
               "file": f.path, "line": str(f.line or ""), "resource": f.resource,
               "statement": "" if f.statement is None else str(f.statement), "when": f.when or "",
               "assumptions": "; ".join(f.assumptions), "message": f.message, "suppression_reason": f.suppressed or ""}
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    return out.getvalue()


def render_sarif(result: IacResult) -> str:
    """A SARIF 2.1.0 log whose results point at the file and line (code scanning shows them there)."""
    table = checks_table()
    rules = [sarif_rule(check) for check in table.values()]
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    notifications = [{"level": "error", "message": {"text": str(error)}} for error in result.errors]
    invocation: dict[str, Any] = {"executionSuccessful": not result.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "rolescope", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "automationDetails": {"id": "rolescope/iac/"},
            "originalUriBaseIds": {"SRCROOT": {"description": {"text": "the directory check-iac ran in"}}},
            "invocations": [invocation],
            "results": [_sarif_result(f, index.get(f.check)) for f in result.findings],
        }],
    }
    return orjson.dumps(log, option=orjson.OPT_INDENT_2).decode() + "\n"


def _sarif_result(finding: IacFinding, rule_index: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(finding.path, safe="/:+=,.@_-~"),
                                                     "uriBaseId": "SRCROOT"}}
    if finding.line:
        physical["region"] = {"startLine": finding.line}
    result: dict[str, Any] = {
        "ruleId": finding.check,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.message + (f" (when {finding.when})" if finding.when else "")},
        "locations": [{"physicalLocation": physical,
                       "logicalLocations": [{"name": finding.resource, "kind": "resource"}]}],
        "partialFingerprints": {FINGERPRINT: finding_id(finding)},
        "properties": {"severity": finding.severity, "statement": finding.statement,
                       "assumptions": list(finding.assumptions)},
    }
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    if finding.severity in SECURITY_SEVERITY:
        result["properties"]["security-severity"] = SECURITY_SEVERITY[finding.severity]
    if finding.suppressed:
        result["suppressions"] = [{"kind": "inSource", "status": "accepted", "justification": finding.suppressed}]
    return result


def console_lines(result: IacResult) -> list[str]:
    """The findings as ``FILE:LINE: SEVERITY check resource: message`` lines, then the totals."""
    lines = []
    for f in result.findings:
        where = f"{f.path}:{f.line}" if f.line else f.path
        status = f" [suppressed: {f.suppressed}]" if f.suppressed else ""
        when = f" (when {f.when})" if f.when else ""
        lines.append(f"{where}: {f.severity.upper()} {f.check} {f.resource}: {f.message}{when}{status}")
        if f.assumptions:
            lines.append(f"    assuming any value for: {', '.join(f.assumptions)}")
    open_count = sum(1 for f in result.findings if not f.suppressed)
    lines.append(f"{len(result.files)} files, {len(result.verdicts)} roles: {open_count} findings"
                 f" ({len(result.findings) - open_count} suppressed), {len(result.errors)} files with errors")
    return lines
