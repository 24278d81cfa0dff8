"""The console report: a summary by account and severity, then findings grouped by severity."""

from __future__ import annotations

from collections import Counter

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rolescope.checks.catalogue import SEVERITIES
from rolescope.report.model import ScanDocument
from rolescope.textsafe import safe_text
from rolescope.wording import count

STYLES = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def _summary(document: ScanDocument) -> Table:
    table = Table(title="rolescope: cross-account trust", title_justify="left", expand=False)
    table.add_column("Account")
    table.add_column("Status")
    table.add_column("Roles", justify="right")
    for severity in SEVERITIES[:4]:
        table.add_column(severity.capitalize(), justify="right", style=STYLES[severity].replace("on red", ""))
    counts = Counter((f.account_id, f.severity) for f in document.findings if not f.suppressed)
    for account in document.accounts:
        label = Text(safe_text(account.account_id + (f" ({account.alias})" if account.alias else "")))
        status = Text("scanned", style="green") if account.status == "scanned" else Text(
            safe_text(f"failed: {account.error or ''}"), style="bold red")
        table.add_row(label, status, str(account.role_count),
                      *(str(counts[account.account_id, s] or "·") for s in SEVERITIES[:4]))
    return table


def render_console(document: ScanDocument, console: Console) -> None:
    """Print the report for people: open findings by severity, then the suppressed ones with their reasons."""
    console.print(_summary(document))
    summary = document.summary
    totals = ", ".join(f"{summary.findings.get(s, 0)} {s}" for s in SEVERITIES[:4])
    console.print(f"{count(summary.roles, 'role')} in {count(summary.accounts, 'account')}: {totals}"
                  + (f"; {summary.suppressed} suppressed" if summary.suppressed else ""))
    for severity in SEVERITIES:
        group = [f for f in document.findings if f.severity == severity and not f.suppressed]
        if not group:
            continue
        lines = []
        for finding in group:
            line = Text()
            line.append(safe_text(finding.check), style="bold")
            line.append(f"  {safe_text(finding.resource)}\n", style="dim")
            line.append(f"  {safe_text(finding.message)}")
            if finding.overridden is not None:
                line.append(f"\n  severity {safe_text(finding.severity_label())}", style="italic")
            lines.append(line)
        console.print(Panel(Group(*lines), title=f"{severity.upper()} ({len(group)})",
                            title_align="left", border_style=STYLES[severity].split()[-1]))
    suppressed = [f for f in document.findings if f.suppressed]
    if suppressed:
        lines = []
        for finding in suppressed:
            line = Text()
            line.append(f"{safe_text(finding.severity_label())} ", style=STYLES.get(finding.severity, ""))
            line.append(safe_text(finding.check), style="bold")
            line.append(f"  {safe_text(finding.resource)}\n", style="dim")
            line.append(f"  suppressed: {safe_text(finding.suppressed or '')}", style="italic")
            lines.append(line)
        console.print(Panel(Group(*lines), title=f"SUPPRESSED ({len(suppressed)})", title_align="left",
                            border_style="dim"))
    for expired in document.suppressions.expired:
        console.print(Text(safe_text(f"expired suppression #{expired.index} ({expired.expires}): {expired.reason}"),
                           style="yellow"))
    for error in document.errors:
        console.print(Text(safe_text(f"error: {error.check} on {error.resource}: {error.error}"), style="red"))
