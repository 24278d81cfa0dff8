"""The console report's summary tables: open findings per account and per check, most severe first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from rolescope.checks.catalogue import SEVERITIES, severity_rank
from rolescope.report.index import AccountNames
from rolescope.report.model import AccountEntry, ScanDocument
from rolescope.textsafe import safe_text
from rolescope.wording import count

STYLES = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}
# The severities with a column of their own; info findings are counted in the totals line.
COLUMNS = SEVERITIES[:4]


def severity_style(severity: str) -> str:
    return STYLES.get(severity, "")


def _open_counts(document: ScanDocument) -> Counter[tuple[str, str]]:
    return Counter((f.account_id, f.severity) for f in document.findings if not f.suppressed)


def accounts_table(document: ScanDocument, most: int | None) -> Table:
    """Failed accounts first, then by open findings, most severe first. With ``most``, only that many of
    the failed accounts and those with open findings; a caption says what was left out."""
    counts = _open_counts(document)
    names = AccountNames.of(document)

    def findings_key(account: AccountEntry) -> tuple[int, ...]:
        return tuple(-counts[account.account_id, s] for s in COLUMNS)

    ordered = sorted(document.accounts, key=lambda a: (not a.failed, findings_key(a), a.account_id))
    notable = [a for a in ordered if a.failed or any(findings_key(a))]
    shown = ordered if most is None else notable[:most]
    table = Table(title="rolescope: cross-account trust", title_justify="left", expand=False)
    table.add_column("Account", no_wrap=True)
    table.add_column("Status")
    table.add_column("Roles", justify="right")
    for severity in COLUMNS:
        table.add_column(severity.capitalize(), justify="right", style=STYLES[severity].replace("on red", ""))
    for account in shown:
        status = Text("scanned", style="green") if not account.failed else Text(
            safe_text(f"failed: {account.error or ''}"), style="bold red")
        table.add_row(Text(safe_text(names.label(account.account_id))), status, f"{account.role_count:,}",
                      *(f"{counts[account.account_id, s]:,}" if counts[account.account_id, s] else "·"
                        for s in COLUMNS))
    more, clean = len(notable) - len(shown), len(ordered) - len(notable)
    if most is not None and (more or clean):
        parts = [f"and {count(more, 'more account')} with findings: --details for all"] if more else []
        table.caption = "; ".join([*parts, *([f"{count(clean, 'account')} without open findings"] if clean else [])])
        table.caption_justify = "left"
    return table


@dataclass(frozen=True, slots=True)
class CheckRow:
    """The findings of one check at one severity (its catalogue's, or an override with its reason)."""

    severity: str
    label: str
    check: str
    open: int
    suppressed: int
    accounts: int


def check_rows(document: ScanDocument) -> list[CheckRow]:
    """One row per check and severity label, most severe first, then most findings."""
    open_: Counter[tuple[str, str, str]] = Counter()
    suppressed: Counter[tuple[str, str, str]] = Counter()
    accounts: dict[tuple[str, str, str], set[str]] = {}
    for finding in document.findings:
        key = (finding.severity, finding.severity_label(), finding.check)
        (suppressed if finding.suppressed else open_)[key] += 1
        accounts.setdefault(key, set()).add(finding.account_id)
    rows = [CheckRow(*key, open=open_[key], suppressed=suppressed[key], accounts=len(reached))
            for key, reached in accounts.items()]
    return sorted(rows, key=lambda r: (severity_rank(r.severity), -r.open, -r.suppressed, r.check, r.label))


def checks_table(document: ScanDocument, rows: Sequence[CheckRow]) -> Table:
    """The checks that found something, with their titles."""
    table = Table(title="Findings by check", title_justify="left", expand=False)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Check", no_wrap=True)  # on a narrow terminal the title wraps, the id stays whole
    table.add_column("Title")
    table.add_column("Open", justify="right")
    table.add_column("Suppressed", justify="right")
    table.add_column("Accounts", justify="right")
    for row in rows:
        title = Text(safe_text(document.check(row.check).title))
        if row.label != row.severity:  # an override: the catalogue's severity and the reason
            title.append(safe_text(row.label.removeprefix(row.severity)), style="italic")
        table.add_row(Text(row.severity, style=severity_style(row.severity)), Text(safe_text(row.check)), title,
                      f"{row.open:,}",
                      f"{row.suppressed:,}" if row.suppressed else "·", f"{row.accounts:,}")
    return table
