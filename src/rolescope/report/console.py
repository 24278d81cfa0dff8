"""The console report: a summary by account and severity, then findings grouped by severity."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rolescope.checks.catalogue import SEVERITIES

STYLES = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def _summary(document: dict[str, Any]) -> Table:
    table = Table(title="rolescope: cross-account trust", title_justify="left", expand=False)
    table.add_column("Account")
    table.add_column("Status")
    table.add_column("Roles", justify="right")
    for severity in SEVERITIES[:4]:
        table.add_column(severity.capitalize(), justify="right", style=STYLES[severity].replace("on red", ""))
    counts: dict[str, dict[str, int]] = {}
    for finding in document["findings"]:
        if not finding.get("suppressed"):
            per = counts.setdefault(finding["account_id"], {})
            per[finding["severity"]] = per.get(finding["severity"], 0) + 1
    for account in document["accounts"]:
        label = account["account_id"] + (f" ({account['alias']})" if account.get("alias") else "")
        per = counts.get(account["account_id"], {})
        status = Text("scanned", style="green") if account["status"] == "scanned" else Text(
            f"failed: {account.get('error') or ''}", style="bold red")
        table.add_row(label, status, str(len(account.get("roles") or ())),
                      *(str(per.get(s, 0) or "·") for s in SEVERITIES[:4]))
    return table


def render_console(document: dict[str, Any], console: Console) -> None:
    """Print the report for people: open findings by severity, then the suppressed ones with their reasons."""
    console.print(_summary(document))
    summary = document["summary"]
    totals = ", ".join(f"{summary['findings'][s]} {s}" for s in SEVERITIES[:4])
    console.print(f"{summary['roles']} roles in {summary['accounts']} accounts: {totals}"
                  + (f"; {summary['suppressed']} suppressed" if summary.get("suppressed") else ""))
    for severity in SEVERITIES:
        group = [f for f in document["findings"] if f["severity"] == severity and not f.get("suppressed")]
        if not group:
            continue
        lines = []
        for finding in group:
            line = Text()
            line.append(f"{finding['check']}", style="bold")
            line.append(f"  {finding['resource']}\n", style="dim")
            line.append(f"  {finding['message']}")
            lines.append(line)
        console.print(Panel(Group(*lines), title=f"{severity.upper()} ({len(group)})",
                            title_align="left", border_style=STYLES[severity].split()[-1]))
    suppressed = [f for f in document["findings"] if f.get("suppressed")]
    if suppressed:
        lines = []
        for finding in suppressed:
            line = Text()
            line.append(f"{finding['severity']} ", style=STYLES.get(finding["severity"], ""))
            line.append(f"{finding['check']}", style="bold")
            line.append(f"  {finding['resource']}\n", style="dim")
            line.append(f"  suppressed: {finding['suppressed']}", style="italic")
            lines.append(line)
        console.print(Panel(Group(*lines), title=f"SUPPRESSED ({len(suppressed)})", title_align="left",
                            border_style="dim"))
    for expired in (document.get("suppressions") or {}).get("expired") or ():
        console.print(Text(f"expired suppression #{expired['index']} ({expired['expires']}): {expired['reason']}",
                           style="yellow"))
    for error in document.get("errors") or ():
        console.print(Text(f"error: {error['check']} on {error['resource']}: {error['error']}", style="red"))
