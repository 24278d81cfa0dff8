"""``rolescope diff OLD.json NEW.json``: new, resolved and unchanged findings between two scans."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rolescope.atomic_write import write_atomic
from rolescope.checks.catalogue import severity_rank
from rolescope.cli.choices import severity_choice
from rolescope.cli.errors import EXIT_FINDINGS, EXIT_OK, InputError
from rolescope.cli.stdout import ReportConsole
from rolescope.report.console_tables import severity_style
from rolescope.report.diff import ScanDiff, diff_documents, render_diff_markdown
from rolescope.report.model import FindingEntry, ScanDocument
from rolescope.report.reader import DocumentError, read_document
from rolescope.textsafe import safe_text


def _read(path: Path) -> ScanDocument:
    try:
        return read_document(path)
    except DocumentError as error:
        raise InputError(str(error)) from None


def _table(title: str, findings: list[FindingEntry]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("Severity")
    table.add_column("Check")
    table.add_column("Role")
    table.add_column("Account")
    for finding in findings:
        severity = Text(safe_text(finding.severity), style=severity_style(finding.severity))
        if finding.suppressed:
            severity.append(" (suppressed)", style="dim")
        table.add_row(severity, *(Text(safe_text(v)) for v in (finding.check, finding.resource, finding.account_id)))
    return table


def _console(diff: ScanDiff, console: Console) -> None:
    summary = (f"{len(diff.new)} new, {len(diff.resolved)} resolved, {len(diff.unchanged)} unchanged"
               + (f", {len(diff.not_reassessed)} not re-assessed" if diff.not_reassessed else ""))
    console.print(Text(summary, style="bold"))
    for title, findings in (("New findings", diff.new), ("Resolved findings", diff.resolved),
                            ("Not re-assessed (account not scanned, check not run or severity filtered out "
                             "in the new scan)", diff.not_reassessed)):
        if findings:
            console.print(_table(title, findings))
    for change in diff.changed:
        console.print(Text(safe_text(f"changed: {change.new.check} on {change.new.resource}: {change.describe()}")))


@click.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["console", "json", "markdown"]), default="console",
              show_default=True, help="console, json (for scripts), or markdown (for a pull request comment).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.option("--fail-on", type=severity_choice(),
              help="Exit 1 when a new, unsuppressed finding is at least this severe.")
def diff(old: Path, new: Path, output_format: str, output: Path | None, fail_on: str | None) -> None:
    """Compare two scan documents (written by --format json): new, resolved and unchanged findings."""
    if output_format == "console" and output is not None:
        raise InputError("--output needs --format json or markdown")
    before, after = _read(old), _read(new)
    result = diff_documents(before, after)
    if output_format == "console":
        _console(result, ReportConsole())
    else:
        payload = (orjson.dumps(result.as_json(before, after), option=orjson.OPT_INDENT_2) + b"\n"
                   if output_format == "json" else render_diff_markdown(result).encode())
        if output is not None:
            write_atomic(output, payload)
        else:
            sys.stdout.write(payload.decode())
    failing = fail_on is not None and any(
        severity_rank(f.severity) <= severity_rank(fail_on) for f in result.new if not f.suppressed)
    raise click.exceptions.Exit(EXIT_FINDINGS if failing else EXIT_OK)
