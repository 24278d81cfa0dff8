"""The console report: a summary by account, check and severity and the most severe findings (or every
finding, or the one line of totals)."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from rich.console import Console
from rich.text import Text

from rolescope.checks.catalogue import SEVERITIES
from rolescope.report.console_findings import (
    finding_panels,
    most_severe,
    suppressed_panel,
    suppression_lines,
)
from rolescope.report.console_tables import accounts_table, check_rows, checks_table
from rolescope.report.model import ScanDocument
from rolescope.report.perimeter_view import perimeter_line
from rolescope.textsafe import safe_text
from rolescope.wording import count

# quiet: the totals line (and errors); summary: the tables and the most severe findings; details: every finding.
Detail = Literal["quiet", "summary", "details"]
# How many findings and accounts the summary shows: a CI log stays readable at any size of organisation.
TOP_FINDINGS = 10
TOP_ACCOUNTS = 20


def totals_line(document: ScanDocument) -> str:
    """``45 roles in 6 accounts: 3 critical, 12 high, 9 medium, 4 low; 2 suppressed``."""
    summary = document.summary
    totals = ", ".join(f"{summary.findings.get(s, 0):,} {s}" for s in SEVERITIES[:4])
    info = summary.findings.get("info", 0)
    return (f"{count(summary.roles, 'role')} in {count(summary.accounts, 'account')}: {totals}"
            + (f", {info:,} info" if info else "")
            + (f"; {summary.suppressed:,} suppressed" if summary.suppressed else "")
            + (f"; {summary.failed_accounts:,} failed" if summary.failed_accounts else ""))


def render_console(document: ScanDocument, console: Console, detail: Detail = "summary",
                   top: int = TOP_FINDINGS) -> None:
    """Print the report for people.

    Args:
        document: the scan.
        console: where to print.
        detail: ``summary`` (accounts, checks, totals, the ``top`` most severe findings, suppressions in
            a line each), ``details`` (every account and finding, each suppressed finding with its
            reason) or ``quiet`` (the totals line). Failed accounts and check errors are always printed.
        top: how many findings the summary shows.
    """
    if detail == "quiet":
        console.print(Text(totals_line(document)))
        for account in document.failed_accounts:
            console.print(Text(safe_text(f"error: account {account.account_id}: {account.error or 'failed'}"),
                               style="red"))
    else:
        _report(document, console, detail == "details", top)
    for error in document.errors:
        console.print(Text(safe_text(f"error: {error.check} on {error.resource}: {error.error}"), style="red"))


def _report(document: ScanDocument, console: Console, details: bool, top: int) -> None:
    console.print(accounts_table(document, None if details else TOP_ACCOUNTS))
    rows = check_rows(document)
    if rows:
        console.print(checks_table(document, rows))
    console.print(Text(totals_line(document)))
    perimeter = perimeter_line(document)
    if perimeter is not None:
        console.print(Text(safe_text(perimeter)))
    findings = most_severe(document)
    if details:
        console.print(*finding_panels(findings))
        panel = suppressed_panel(document)
        if panel is not None:
            console.print(panel)
    else:
        console.print(*finding_panels(findings[:top], Counter(f.severity for f in findings)))
        if len(findings) > top:
            console.print(Text(f"and {count(len(findings) - top, 'more finding')}: --details for all"))
        for line in suppression_lines(document):
            console.print(line)
    for expired in document.suppressions.expired:
        console.print(Text(safe_text(f"expired suppression #{expired.index} ({expired.expires}): {expired.reason}"),
                           style="yellow"))
