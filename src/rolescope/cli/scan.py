"""``rolescope scan``: audit accounts from GAAD files, report findings, set the exit code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from rolescope.checks.catalogue import SEVERITIES, severity_rank
from rolescope.checks.context import CheckSettings
from rolescope.checks.registry import CHECK_IDS, CHECKS
from rolescope.cli.aws_options import AwsOptions, account_options, credential_options
from rolescope.cli.errors import EXIT_ACCOUNTS, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InputError
from rolescope.cli.inputs import account_id_option, account_list
from rolescope.inventory.files import LoadFailure, load_organization, load_snapshots, merge_organizations
from rolescope.inventory.gaad import SnapshotError
from rolescope.inventory.model import AccountSnapshot, Organization
from rolescope.report.atomic import write_atomic
from rolescope.report.console import render_console
from rolescope.report.document import ReportScope, build_document
from rolescope.report.formats import FILE_FORMATS, FORMATS, GRAPH_FORMATS
from rolescope.report.suppressions import SuppressionError, Suppressions, load_suppressions
from rolescope.scanner import AccountResult, ScanResult, scan_snapshots


@dataclass(frozen=True, slots=True)
class ReportOptions:
    formats: tuple[str, ...]
    output: Path | None
    output_dir: Path | None
    checks: frozenset[str]
    severities: frozenset[str]
    accounts: frozenset[str]
    fail_on: str | None
    suppressions: Suppressions | None = None


def parse_formats(value: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(f"--format {value!r}: choose from {', '.join(FORMATS)}")
    return formats


def report_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The output and filter options every scanning command shares."""
    options = [
        click.option("--format", "output_format", default="console", show_default=True,
                     help=f"Comma-separated: {', '.join(FORMATS)}."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the (single) report format here instead of standard output."),
        click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Write every requested file format here (rolescope-report.<ext>)."),
        click.option("--check", "checks", multiple=True, help="Only this check (repeatable)."),
        click.option("--severity", "severities", multiple=True, type=click.Choice(SEVERITIES),
                     help="Only findings of this severity (repeatable)."),
        click.option("--account", "accounts", multiple=True, callback=_accounts_callback,
                     help="Only this account (repeatable)."),
        click.option("--fail-on", type=click.Choice(SEVERITIES),
                     help="Exit 1 when a reported finding is at least this severe."),
        click.option("--unused-days", type=click.IntRange(1, 3650), default=90, show_default=True,
                     help="A cross-account role unused this long is reported."),
        click.option("--trusted-accounts", help="Accounts outside the organisation you trust: ID,ID,..."),
        click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Judge role usage as of this date."),
        click.option("--suppressions", "suppressions_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="YAML file of accepted risks (check, account, role ARN pattern, reason, expires): "
                          "their findings are reported as suppressed and do not count for --fail-on."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _accounts_callback(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        account_id_option(ctx, param, value)
    return values


def build_report_options(output_format: str, output: Path | None, output_dir: Path | None,
                         checks: Sequence[str], severities: Sequence[str], accounts: Sequence[str],
                         fail_on: str | None, suppressions_file: Path | None = None) -> ReportOptions:
    formats = parse_formats(output_format)
    unknown = [c for c in checks if c not in CHECK_IDS]
    if unknown:
        raise InputError(f"--check {unknown[0]!r}: no such check (see `rolescope scan --help`; known: "
                         f"{', '.join(CHECK_IDS)})")
    file_formats = [f for f in formats if f != "console"]
    if output is not None and len(file_formats) != 1:
        raise InputError("--output takes exactly one file format; use --output-dir for several")
    if output is not None and output_dir is not None:
        raise InputError("--output and --output-dir exclude each other")
    if len(file_formats) > 1 and output_dir is None:
        raise InputError("several file formats need --output-dir")
    suppressions = read_suppressions(suppressions_file) if suppressions_file is not None else None
    return ReportOptions(formats, output, output_dir, frozenset(checks), frozenset(severities), frozenset(accounts),
                         fail_on, suppressions)


def read_suppressions(path: Path, today: date | None = None) -> Suppressions:
    """Load ``--suppressions``; expired entries are a warning on stderr, a bad file a one-line error."""
    try:
        suppressions = load_suppressions(path, today or datetime.now(UTC).date(), CHECK_IDS)
    except SuppressionError as error:
        raise InputError(str(error)) from None
    for warning in suppressions.warnings():
        click.echo(f"rolescope: warning: {warning}", err=True)
    return suppressions


def build_settings(organization: Organization | None, trusted: str | None, unused_days: int,
                   as_of: datetime | None) -> CheckSettings:
    now = as_of.replace(tzinfo=UTC) if as_of is not None else datetime.now(UTC)
    return CheckSettings(organization=organization, trusted_accounts=account_list(trusted),
                         unused_days=unused_days, now=now)


def run_scan(snapshots: list[AccountSnapshot], settings: CheckSettings, options: ReportOptions,
             stderr: Console) -> ScanResult:
    """Scan with a progress bar on standard error."""
    selected = [c for c in CHECKS if not options.checks or c.id in options.checks]
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=stderr, transient=True, disable=not stderr.is_terminal) as progress:
        task = progress.add_task("scanning accounts", total=len(snapshots))
        return scan_snapshots(snapshots, settings, selected, lambda _: progress.advance(task))


def filter_result(result: ScanResult, options: ReportOptions) -> ScanResult:
    findings = [
        f for f in result.findings
        if (not options.severities or f.severity in options.severities)
        and (not options.accounts or f.account_id in options.accounts)
    ]
    accounts = [a for a in result.accounts if not options.accounts or a.account_id in options.accounts]
    if options.suppressions is not None:
        findings = options.suppressions.apply(findings)
    return replace(result, findings=findings, accounts=accounts)


def emit_reports(result: ScanResult, options: ReportOptions, stdout: Console) -> None:
    """Write each requested format: console to stdout, files atomically."""
    scope = ReportScope(sorted(options.checks), sorted(options.severities), sorted(options.accounts))
    document = build_document(result, scope=scope, suppressions=options.suppressions,
                              graph=not GRAPH_FORMATS.isdisjoint(options.formats))
    for output_format in options.formats:
        if output_format == "console":
            render_console(document, stdout)
            continue
        extension, render = FILE_FORMATS[output_format]
        payload = render(document)
        if options.output is not None:
            write_atomic(options.output, payload)
        elif options.output_dir is not None:
            write_atomic(options.output_dir / f"rolescope-report.{extension}", payload)
        else:
            stdout.file.write(payload.decode())
            stdout.file.flush()


def exit_code(result: ScanResult, options: ReportOptions, load_failures: Sequence[LoadFailure]) -> int:
    """0 done, 1 findings at or above --fail-on, 2 bad input, 3 accounts not scanned: the highest wins."""
    code = EXIT_OK
    if options.fail_on and any(
        severity_rank(f.severity) <= severity_rank(options.fail_on) for f in result.findings if not f.suppressed
    ):
        code = EXIT_FINDINGS
    if load_failures:
        code = max(code, EXIT_USAGE)
    unreadable = {f.source for f in load_failures}
    if any(a.source not in unreadable for a in result.failed):
        code = max(code, EXIT_ACCOUNTS)
    return code


def failed_accounts(failures: Sequence[LoadFailure]) -> list[AccountResult]:
    return [AccountResult(f.account_id or "unknown", "failed", error=f.error, source=f.source) for f in failures]


def scan_files(paths: Sequence[Path], account_id: str | None, org_files: Sequence[Path], trusted: str | None,
               unused_days: int, as_of: datetime | None, options: ReportOptions) -> int:
    """The offline scan, shared by ``scan --from`` and ``demo``. Returns the exit code."""
    stderr = Console(stderr=True)
    stdout = Console()
    snapshots, failures, found_orgs = load_snapshots(paths, account_id)
    organizations = list(found_orgs)
    for org_file in org_files:
        try:
            organizations.append(load_organization(org_file))
        except SnapshotError as error:
            raise InputError(f"{org_file}: {error}") from None
    for failure in failures:
        click.echo(f"rolescope: error: {failure.source}: {failure.error}", err=True)
    if not snapshots and failures:
        raise InputError("no snapshot could be read")
    if not snapshots:
        raise InputError("no GetAccountAuthorizationDetails files found in " + ", ".join(map(str, paths)))
    settings = build_settings(merge_organizations(organizations), trusted, unused_days, as_of)
    result = run_scan(snapshots, settings, options, stderr)
    result.accounts += failed_accounts(failures)
    result = filter_result(result, options)
    emit_reports(result, options, stdout)
    return exit_code(result, options, failures)


@click.command("scan")
@click.option("--from", "sources", multiple=True,
              type=click.Path(path_type=Path),
              help="A GetAccountAuthorizationDetails JSON file, or a directory of them (repeatable). "
                   "Without --from, scan live accounts (see the credential and account options).")
@click.option("--account-id", callback=account_id_option,
              help="The account of a file whose ARNs and file name do not say.")
@click.option("--org-accounts", "org_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="aws organizations list-accounts (and describe-organization) output (repeatable).")
@report_options
@credential_options
@account_options
def scan(sources: tuple[Path, ...], account_id: str | None, org_files: tuple[Path, ...], output_format: str,
         output: Path | None, output_dir: Path | None, checks: tuple[str, ...], severities: tuple[str, ...],
         accounts: tuple[str, ...], fail_on: str | None, unused_days: int, trusted_accounts: str | None,
         as_of: datetime | None,
         suppressions_file: Path | None, **aws: Any) -> None:
    """Audit every role of every account: who outside can assume it, and what is wrong.

    Offline with --from; otherwise live, with the AWS CLI's credentials (-p, -R, --mfa...) in one
    account or many (--accounts, --organization).
    """
    live = AwsOptions.from_params(aws)
    if sources and live.given:
        raise InputError(f"--from scans files; {', '.join(live.given)} are for live scans (drop --from)")
    if not sources and account_id is not None:
        raise InputError("--account-id names the account of a --from file")
    options = build_report_options(output_format, output, output_dir, checks, severities, accounts, fail_on,
                                   suppressions_file)
    if not sources:
        from rolescope.cli.live_scan import scan_live  # boto3 is imported only for live scans

        code = scan_live(live, list(org_files), trusted_accounts, unused_days, as_of, options)
        raise click.exceptions.Exit(code)
    code = scan_files(list(sources), account_id, list(org_files), trusted_accounts, unused_days, as_of, options)
    raise click.exceptions.Exit(code)
