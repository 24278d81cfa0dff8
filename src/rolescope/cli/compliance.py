"""``rolescope compliance``: each requirement of a framework, passed or failed per account."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rolescope.atomic_write import write_atomic
from rolescope.cli.clock import as_of_option
from rolescope.cli.errors import EXIT_OK, EXIT_USAGE, InputError
from rolescope.cli.inputs import account_id_option
from rolescope.cli.scan import check_settings, read_suppressions, run_scan_files
from rolescope.cli.stdout import ReportConsole
from rolescope.pipeline import ScanSettings
from rolescope.report.compliance import (
    FAIL,
    NOT_ASSESSED,
    PASS,
    FrameworkReport,
    UnknownFramework,
    compliance_reports,
    render_compliance_csv,
    resolve_framework,
)
from rolescope.report.index import AccountNames
from rolescope.report.model import ScanDocument
from rolescope.report.reader import DocumentError, read_document
from rolescope.textsafe import safe_text

STATUS_STYLE = {PASS: "green", FAIL: "bold red"}


def _document_from_files(sources: tuple[Path, ...], account_id: str | None, org_files: tuple[Path, ...],
                         trusted: str | None, suppressions_file: Path | None, as_of: datetime | None
                         ) -> tuple[ScanDocument, bool]:
    """Scan GAAD files; returns the document and whether some file could not be read."""
    suppressions = read_suppressions(suppressions_file) if suppressions_file is not None else None
    settings = ScanSettings(check_settings(trusted, None, as_of), suppressions=suppressions, account_id=account_id,
                            graph=False)
    run = run_scan_files(sources, settings, org_files)
    return run.document, bool(run.load_failures)


def _console(reports: list[FrameworkReport], document: ScanDocument, console: Console) -> None:
    names = AccountNames.of(document)
    # On a terminal a long title wraps within its column; a pipe or a log gets it whole (see ReportConsole).
    title_width = 60 if console.is_terminal else None
    for report in reports:
        table = Table(title=Text(safe_text(f"{report.name} ({report.key})")), title_justify="left",
                      caption="cells: roles failing / roles assessed in the account (s: suppressed); n/a: not assessed",
                      caption_justify="left")
        table.add_column("Requirement", no_wrap=True, min_width=max(len(r.id) for r in report.requirements))
        table.add_column("Status", no_wrap=True, min_width=len(NOT_ASSESSED))
        for account in report.accounts:
            name = names.name(account)
            header = Text(safe_text(name) + "\n" + safe_text(account) if name else safe_text(account))
            table.add_column(header, justify="center", overflow="fold", min_width=5)
        table.add_column("Title", overflow="fold", min_width=10, max_width=title_width)
        for requirement in report.requirements:
            cells = [Text("n/a", style="dim") if t.status == NOT_ASSESSED else
                     Text(f"{t.failed}/{t.passed + t.failed + t.suppressed}" + (f" ({t.suppressed}s)" if t.suppressed
                                                                                 else ""),
                          style=STATUS_STYLE.get(t.status, "")) for t in requirement.accounts]
            table.add_row(Text(safe_text(requirement.id)), Text(requirement.status.upper(),
                                                                style=STATUS_STYLE.get(requirement.status, "dim")),
                          *cells, Text(safe_text(requirement.title)))
        console.print(table)
        summary = report.as_json()["summary"]
        console.print(f"{summary[PASS]} requirements pass, {summary[FAIL]} fail, {summary[NOT_ASSESSED]} not assessed.")
        for note in report.notes:
            console.print(Text(safe_text(f"note: {note}"), style="yellow"))


@click.command("compliance")
@click.option("--framework", "framework_name", required=True,
              help="Framework key from the catalogue (case-insensitive, a unique prefix will do), or 'all'.")
@click.option("--scan", "scan_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A scan document written by `rolescope scan --format json`.")
@click.option("--from", "sources", multiple=True, type=click.Path(path_type=Path),
              help="Scan these GetAccountAuthorizationDetails files or directories instead (repeatable).")
@click.option("--account-id", callback=account_id_option, help="With --from: the account of a file that does not say.")
@click.option("--org-accounts", "org_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="With --from: organizations list-accounts output (repeatable).")
@click.option("--trusted-accounts", help="With --from: accounts outside the organisation you trust: ID,ID,...")
@click.option("--suppressions", "suppressions_file", type=click.Path(dir_okay=False, path_type=Path),
              help="With --from: YAML file of accepted risks (see `rolescope scan --help`).")
@click.option("--format", "output_format", type=click.Choice(["console", "json", "csv"]), default="console",
              show_default=True, help="console (a table per framework), json, or csv (one row per requirement and "
                                      "account).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@as_of_option
def compliance(framework_name: str, scan_file: Path | None, sources: tuple[Path, ...], account_id: str | None,
               org_files: tuple[Path, ...], trusted_accounts: str | None, suppressions_file: Path | None,
               output_format: str, output: Path | None, as_of: datetime | None) -> None:
    """Requirements of a compliance framework, with pass/fail counts of roles per account."""
    if (scan_file is None) == (not sources):
        raise InputError("give either --scan SCAN.json or --from PATH")
    if scan_file is not None and (org_files or account_id or trusted_accounts or suppressions_file or as_of):
        raise InputError("--org-accounts, --account-id, --trusted-accounts, --suppressions and --as-of go with "
                         "--from; a scan document already carries their effect")
    if output_format == "console" and output is not None:
        raise InputError("--output needs --format json or csv")
    try:
        keys = None if framework_name.strip().lower() == "all" else [resolve_framework(framework_name)]
    except UnknownFramework as error:
        raise InputError(f"--framework {error}") from None
    incomplete = False
    if scan_file is not None:
        try:
            document = read_document(scan_file)
        except DocumentError as error:
            raise InputError(str(error)) from None
    else:
        document, incomplete = _document_from_files(sources, account_id, org_files, trusted_accounts,
                                                    suppressions_file, as_of)
    reports = compliance_reports(document, keys)
    if output_format == "console":
        _console(reports, document, ReportConsole())
    else:
        if output_format == "json":
            data: Any = [r.as_json() for r in reports] if keys is None else reports[0].as_json()
            payload = orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"
        else:
            payload = render_compliance_csv(reports)
        if output is not None:
            write_atomic(output, payload)
        else:
            sys.stdout.write(payload.decode())
    raise click.exceptions.Exit(EXIT_USAGE if incomplete else EXIT_OK)
