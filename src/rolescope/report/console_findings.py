"""The console report's findings: one panel per severity, each finding its check, role and message."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from rolescope.checks.catalogue import SEVERITIES, severity_rank
from rolescope.report.console_tables import severity_style
from rolescope.report.model import FindingEntry, ScanDocument
from rolescope.textsafe import safe_text
from rolescope.wording import count


def most_severe(document: ScanDocument) -> list[FindingEntry]:
    """The open findings, most severe first (in the document's order within a severity)."""
    return sorted((f for f in document.findings if not f.suppressed), key=lambda f: severity_rank(f.severity))


def _finding(finding: FindingEntry) -> Text:
    line = Text()
    line.append(safe_text(finding.check), style="bold")
    line.append(f"  {safe_text(finding.resource)}\n", style="dim")
    line.append(f"  {safe_text(finding.message)}")
    if finding.overridden is not None:
        line.append(f"\n  severity {safe_text(finding.severity_label())}", style="italic")
    return line


def finding_panels(findings: Sequence[FindingEntry], totals: Counter[str] | None = None) -> list[RenderableType]:
    """A panel per severity of ``findings``, titled with their number (``of`` the ``totals`` when only
    some of them are shown). Panels are as wide as their text, so a long ARN is never cut to fit."""
    panels: list[RenderableType] = []
    for severity in SEVERITIES:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        total = totals[severity] if totals is not None else len(group)
        shown = f"{len(group):,}" if total == len(group) else f"{len(group):,} of {total:,}"
        panels.append(Panel(Group(*map(_finding, group)), title=f"{severity.upper()} ({shown})", title_align="left",
                            border_style=severity_style(severity).split()[-1], expand=False))
    return panels


def suppressed_panel(document: ScanDocument) -> Panel | None:
    """Every suppressed finding with the reason it was accepted."""
    suppressed = [f for f in document.findings if f.suppressed]
    if not suppressed:
        return None
    lines = []
    for finding in suppressed:
        line = Text()
        line.append(f"{safe_text(finding.severity_label())} ", style=severity_style(finding.severity))
        line.append(safe_text(finding.check), style="bold")
        line.append(f"  {safe_text(finding.resource)}\n", style="dim")
        line.append(f"  suppressed: {safe_text(finding.suppressed or '')}", style="italic")
        lines.append(line)
    return Panel(Group(*lines), title=f"SUPPRESSED ({len(suppressed):,})", title_align="left", border_style="dim",
                 expand=False)


def suppression_lines(document: ScanDocument) -> list[Text]:
    """Each suppression that covered findings: how many, and its reason."""
    return [Text(safe_text(f"suppressed by #{entry.index}: {count(entry.findings, 'finding')}: {entry.reason}"),
                 style="dim")
            for entry in document.suppressions.applied if entry.findings]
