"""CSV: one row per finding, with columns that do not move between releases.

Cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) are prefixed with ``'``, as OWASP advises: role names, messages and reasons come from
the scanned accounts and the suppressions file, and IAM role names may contain ``=``, ``+``, ``@``
and ``-``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from rolescope.report.index import DocumentIndex

COLUMNS = (
    "finding_id",
    "severity",
    "status",
    "check",
    "title",
    "account_id",
    "account_name",
    "role_name",
    "role_arn",
    "statement",
    "message",
    "suppression_reason",
    "remediation",
    "remediation_cli",
    "compliance",
    "scanned_at",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """``value`` made inert for spreadsheets (see the module docstring)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def csv_row(finding: dict[str, Any], document: dict[str, Any], index: DocumentIndex) -> dict[str, str]:
    """One finding as a CSV row (before neutralising)."""
    compliance = finding.get("compliance") or {}
    statement = finding.get("statement")
    return {
        "finding_id": finding["id"],
        "severity": finding["severity"],
        "status": "suppressed" if finding.get("suppressed") else "open",
        "check": finding["check"],
        "title": finding.get("title") or "",
        "account_id": finding["account_id"],
        "account_name": index.account_name(finding["account_id"]) or "",
        "role_name": index.role_name(finding["resource"]),
        "role_arn": finding["resource"],
        "statement": "" if statement is None else str(statement),
        "message": finding.get("message") or "",
        "suppression_reason": finding.get("suppressed") or "",
        "remediation": " ".join(str((finding.get("remediation") or {}).get("text") or "").split()),
        "remediation_cli": (finding.get("remediation") or {}).get("cli") or "",
        "compliance": "; ".join(f"{framework} {item['id']}" for framework, items in sorted(compliance.items())
                                for item in items),
        "scanned_at": str(document.get("generated_at") or ""),
    }


def render_csv(document: dict[str, Any]) -> bytes:
    """The findings as RFC 4180 CSV (UTF-8, CRLF line ends, a header row)."""
    index = DocumentIndex.of(document)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writeheader()
    for finding in document.get("findings") or ():
        row = csv_row(finding, document, index)
        writer.writerow({column: neutralise(value) for column, value in row.items()})
    return buffer.getvalue().encode("utf-8")
