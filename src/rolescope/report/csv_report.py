"""CSV: one row per finding, with columns that do not move between releases.

Characters that are not printable (ESC, newlines, bidirectional overrides...) are written as visible
escapes (``\\x1b``, ``\\n``, ``\\u202e``; see :mod:`rolescope.textsafe`), so a CSV shown in a terminal
cannot drive it and a cell is one line. Cells that a spreadsheet would read as a formula (starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are prefixed with ``'``, as OWASP advises:
role names, messages and reasons come from the scanned accounts and the suppressions file, and IAM
role names may contain ``=``, ``+``, ``@`` and ``-``.
"""

from __future__ import annotations

import csv
from typing import BinaryIO

from rolescope.report.index import AccountNames
from rolescope.report.model import FindingEntry, ScanDocument
from rolescope.textsafe import safe_text

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
    # last, so that readers of the earlier columns by position keep working
    "default_severity",
    "severity_reason",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """``value`` made inert for spreadsheets (see the module docstring)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def csv_cell(value: str) -> str:
    """``value`` as a cell: invisible characters shown, formulas neutralised (see the module docstring)."""
    return neutralise(safe_text(value))


def csv_row(finding: FindingEntry, document: ScanDocument, names: AccountNames) -> dict[str, str]:
    """One finding as a CSV row (before neutralising)."""
    check = document.check(finding.check)
    return {
        "finding_id": finding.id,
        "severity": finding.severity,
        "status": "suppressed" if finding.suppressed else "open",
        "check": finding.check,
        "title": check.title,
        "account_id": finding.account_id,
        "account_name": names.name(finding.account_id) or "",
        "role_name": document.role_name(finding.resource),
        "role_arn": finding.resource,
        "statement": "" if finding.statement is None else str(finding.statement),
        "message": finding.message,
        "suppression_reason": finding.suppressed or "",
        "remediation": " ".join(check.remediation.text.split()),
        "remediation_cli": document.remediation_cli(finding),
        "compliance": "; ".join(f"{r.framework} {r.id}" for r in sorted(check.compliance, key=lambda r: r.framework)),
        "scanned_at": document.generated_at,
        "default_severity": finding.severity if finding.overridden is None else finding.overridden.default,
        "severity_reason": "" if finding.overridden is None else finding.overridden.reason,
    }


class _Utf8:
    """What :mod:`csv` writes text to: each row encoded straight into the binary stream."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(text.encode("utf-8"))


def write_csv(document: ScanDocument, stream: BinaryIO) -> None:
    """The findings as RFC 4180 CSV (UTF-8, CRLF line ends, a header row), written row by row."""
    names = AccountNames.of(document)
    writer = csv.DictWriter(_Utf8(stream), fieldnames=COLUMNS, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writeheader()
    for finding in document.findings:
        row = csv_row(finding, document, names)
        writer.writerow({column: csv_cell(value) for column, value in row.items()})
