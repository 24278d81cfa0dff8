"""``rolescope scan``: audit accounts from GAAD files, report findings, set the exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from rolescope import pipeline
from rolescope.checks.catalogue import severity_rank
from rolescope.checks.context import CheckSettings
from rolescope.checks.filters import unmatchable_filter
from rolescope.checks.registry import CHECK_IDS
from rolescope.cli.aws_options import AwsOptions, account_options, credential_options
from rolescope.cli.choices import check_choice, check_help, severity_choice
from rolescope.cli.clock import as_of_option, scan_clock
from rolescope.cli.config_file import announce_config, config_record, configured
from rolescope.cli.errors import EXIT_ACCOUNTS, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InputError
from rolescope.cli.inputs import account_id_option, account_list
from rolescope.cli.progress import BarProgress
from rolescope.cli.report_files import PhasedSink, say_written
from rolescope.cli.say import say
from rolescope.cli.stdout import ReportConsole
from rolescope.gc_pause import paused_gc
from rolescope.inventory.files import LoadFailure, SkippedFile
from rolescope.pipeline import ScanInputError, ScanRun, ScanSettings, UnknownAccounts
from rolescope.report.asff import DEFAULT_REGION
from rolescope.report.console import TOP_FINDINGS, Detail, render_console
from rolescope.report.fixes import Fixes
from rolescope.report.formats import (
    ALL_ROLE_FORMATS,
    FILE_FORMATS,
    FINDING_EVIDENCE_FORMATS,
    FINDING_ROLE_FORMATS,
    FINDING_TEXT_FORMATS,
    FORMATS,
    GRAPH_FORMATS,
    model_writers,
)
from rolescope.report.model import ScanDocument
from rolescope.report.sinks import JsonSink, ModelSink, ScanSink, file_output, stream_output
from rolescope.report.suppressions import SuppressionError, Suppressions, load_suppressions
from rolescope.workers import default_jobs


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
    detail: Detail = "summary"
    security_hub: bool = False
    security_hub_region: str = DEFAULT_REGION


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
        click.option("--check", "checks", multiple=True, type=check_choice(), metavar="CHECK",
                     help=check_help("Only this check (repeatable)")),
        click.option("--severity", "severities", multiple=True, type=severity_choice(),
                     help="Only findings of this severity (repeatable)."),
        click.option("--account", "accounts", multiple=True, callback=_accounts_callback,
                     help="Only this account (repeatable)."),
        click.option("--fail-on", type=severity_choice(),
                     help="Exit 1 when a reported finding is at least this severe."),
        click.option("--unused-days", type=click.IntRange(1, 3650),
                     help="A cross-account role unused this long is reported [default: the catalogue's, 90 "
                          "days, or rolescope.yaml's]."),
        click.option("--trusted-accounts", help="Accounts outside the organisation you trust: ID,ID,..."),
        as_of_option,
        click.option("--suppressions", "suppressions_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="YAML file of accepted risks (check, account, role ARN pattern, reason, expires): "
                          "their findings are reported as suppressed and do not count for --fail-on."),
        click.option("--details", is_flag=True,
                     help="Console report: every account and every finding (by default a summary per account, "
                          f"per check and severity, and the {TOP_FINDINGS} most severe findings)."),
        click.option("--quiet", "-q", is_flag=True,
                     help="Console report: the line of totals only (and errors); no progress, no list of the "
                          "files written."),
        click.option("--security-hub", is_flag=True,
                     help="Also send the findings of the credentials' account to Security Hub (BatchImportFindings): "
                          "earlier scans' findings are updated, those now gone archived."),
        click.option("--security-hub-region", metavar="REGION",
                     help="The Security Hub region of --security-hub and of the asff format [default: AWS_REGION, "
                          f"else AWS_DEFAULT_REGION, else {DEFAULT_REGION}]."),
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
                         fail_on: str | None, suppressions_file: Path | None = None, details: bool = False,
                         quiet: bool = False, security_hub: bool = False,
                         security_hub_region: str | None = None) -> ReportOptions:
    formats = parse_formats(output_format)
    if details and quiet:
        raise InputError("--details and --quiet exclude each other")
    if details and "console" not in formats:
        raise InputError("--details is for the console report: add console to --format")
    file_formats = [f for f in formats if f != "console"]
    if (output is not None or output_dir is not None) and not file_formats:
        raise InputError(f"{'--output' if output is not None else '--output-dir'}: the console format is for the "
                         f"terminal, not a file; choose a file format with --format ({', '.join(FILE_FORMATS)})")
    if output is not None and len(file_formats) != 1:
        raise InputError("--output takes exactly one file format; use --output-dir for several")
    if output is not None and output_dir is not None:
        raise InputError("--output and --output-dir exclude each other")
    if len(file_formats) > 1 and output_dir is None:
        raise InputError("several file formats need --output-dir")
    if fail_on is not None and severities and min(map(severity_rank, severities)) > severity_rank(fail_on):
        raise InputError(f"--fail-on {fail_on} can never fail: --severity keeps only "
                         f"{', '.join(sorted(severities, key=severity_rank))} findings")
    suppressions = read_suppressions(suppressions_file) if suppressions_file is not None else None
    detail: Detail = "details" if details else "quiet" if quiet else "summary"
    region = security_hub_region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return ReportOptions(formats, output, output_dir, frozenset(checks), frozenset(severities), frozenset(accounts),
                         fail_on, suppressions, detail, security_hub, region or DEFAULT_REGION)


def read_suppressions(path: Path, today: date | None = None) -> Suppressions:
    """Load ``--suppressions``; expired entries are a warning on stderr, a bad file a one-line error."""
    try:
        suppressions = load_suppressions(path, today or datetime.now(UTC).date(), CHECK_IDS)
    except SuppressionError as error:
        raise InputError(str(error)) from None
    for warning in suppressions.warnings():
        say(f"rolescope: warning: {warning}", err=True)
    return suppressions


def check_settings(trusted: str | None, unused_days: int | None, as_of: datetime | None) -> CheckSettings:
    """The checks' tuning from the configuration file and the options (the pipeline adds the organisation it
    finds); an option given wins over the file."""
    settings = configured(CheckSettings(trusted_accounts=account_list(trusted), now=scan_clock(as_of)))
    return settings if unused_days is None else replace(settings, unused_days=unused_days)


def scan_settings(options: ReportOptions, checks: CheckSettings, account_id: str | None = None) -> ScanSettings:
    """What the pipeline runs and keeps for these report options.

    Raises:
        InputError: ``--check`` and ``--severity`` together can never keep a finding.
    """
    never = unmatchable_filter(options.checks, options.severities, checks, CHECK_IDS)
    if never is not None:
        raise InputError(never)
    # Security Hub gets the findings as ASFF, made from the typed document like the asff file format.
    formats = {*options.formats, "asff"} if options.security_hub else set(options.formats)
    return ScanSettings(checks, tuple(sorted(options.checks)) or None, options.severities, options.accounts,
                        options.suppressions, account_id, all_roles=not ALL_ROLE_FORMATS.isdisjoint(formats),
                        finding_roles=not FINDING_ROLE_FORMATS.isdisjoint(formats),
                        graph=not GRAPH_FORMATS.isdisjoint(formats), config=config_record(),
                        encoded_findings="json" in formats,
                        finding_evidence=not FINDING_EVIDENCE_FORMATS.isdisjoint(formats),
                        finding_text=not FINDING_TEXT_FORMATS.isdisjoint(formats))


def report_targets(options: ReportOptions) -> list[tuple[str, Path | None]]:
    """Each file format and where it goes: a file (--output, --output-dir), or standard output (``None``)."""
    targets: list[tuple[str, Path | None]] = []
    for output_format in options.formats:
        if output_format == "console":
            continue
        if options.output is not None:
            targets.append((output_format, options.output))
        elif options.output_dir is not None:
            targets.append((output_format, options.output_dir / f"rolescope-report.{FILE_FORMATS[output_format]}"))
        else:
            targets.append((output_format, None))
    return targets


def _fixes_for_report(document: ScanDocument) -> Fixes:
    """The HTML page's corrected policies; the planner is imported only for a page (a scan without
    one never needs it, and importing it costs about as much as scanning a small account)."""
    from rolescope.remediate.report_fixes import fixes_for_report

    return fixes_for_report(document)


def report_sinks(options: ReportOptions, progress: pipeline.ScanProgress | None = None) -> list[ScanSink]:
    """A sink for each file format (see :func:`report_targets`); with ``progress``, each one's rendering is a
    phase of it."""
    sinks: list[ScanSink] = []
    writers = model_writers(_fixes_for_report, options.security_hub_region)
    for output_format, path in report_targets(options):
        output = file_output(path) if path is not None else stream_output(sys.stdout)
        sink: ScanSink = JsonSink(output) if output_format == "json" else ModelSink(writers[output_format], output)
        sinks.append(sink if progress is None else PhasedSink(sink, progress, f"{output_format} report"))
    return sinks


def say_reports_written(options: ReportOptions) -> None:
    """The report files the scan wrote, with their sizes, on standard error (not with --quiet)."""
    if options.detail != "quiet":
        say_written([path for _, path in report_targets(options) if path is not None])


def print_load_failures(failures: Sequence[LoadFailure], skipped: Sequence[SkippedFile] = ()) -> None:
    for left in skipped:
        say(f"rolescope: note: skipped {left.source}: {left.reason}", err=True)
    for failure in failures:
        say(f"rolescope: error: {failure.source}: {failure.error}", err=True)


def finish(run: ScanRun, options: ReportOptions, stdout: Console) -> int:
    """Say which report files were written, print the console report when asked; return the exit code."""
    say_reports_written(options)
    if "console" in options.formats:
        render_console(run.document, stdout, options.detail)
    code = exit_code(run, options.fail_on)
    if options.security_hub:
        from rolescope.cli.security_hub import send_to_security_hub  # boto3 only when sending

        code = max(code, send_to_security_hub(run.document, options.security_hub_region))
    return code


def exit_code(run: ScanRun, fail_on: str | None) -> int:
    """0 done, 1 findings at or above --fail-on, 2 bad input, 3 accounts not scanned: the highest wins."""
    code = EXIT_OK
    if fail_on and any(
        severity_rank(f.severity) <= severity_rank(fail_on) for f in run.document.findings if not f.suppressed
    ):
        code = EXIT_FINDINGS
    if run.load_failures:
        code = max(code, EXIT_USAGE)
    unreadable = {f.source for f in run.load_failures}
    if any(a.source not in unreadable for a in run.document.failed_accounts):
        code = max(code, EXIT_ACCOUNTS)
    return code


def scan_input_error(error: ScanInputError) -> InputError:
    """The one-line error of a scan that could not start or found nothing it was asked for."""
    return InputError(f"--account {error}" if isinstance(error, UnknownAccounts) else str(error))


def run_scan_files(paths: Sequence[Path], settings: ScanSettings, org_files: Sequence[Path] = (),
                   sinks: Sequence[ScanSink] = (), progress: pipeline.ScanProgress | None = None,
                   jobs: int = 1) -> ScanRun:
    """:func:`rolescope.pipeline.scan_files` for a command: unreadable files listed on stderr, errors one line;
    without ``progress``, its phases on stderr (see :class:`~rolescope.cli.progress.BarProgress`)."""
    if progress is None:
        with BarProgress(Console(stderr=True)) as bar:
            return run_scan_files(paths, settings, org_files, sinks, bar, jobs)
    try:
        # the collector's pause is process-wide, so the CLI makes it, not the library (see rolescope.gc_pause)
        with paused_gc():
            run = pipeline.scan_files(paths, settings, org_files=org_files, sinks=sinks, progress=progress,
                                      jobs=jobs)
    except ScanInputError as error:
        print_load_failures(error.failures, error.skipped)
        raise scan_input_error(error) from None
    print_load_failures(run.load_failures, run.skipped)
    return run


def scan_file_sources(paths: Sequence[Path], account_id: str | None, org_files: Sequence[Path],
                      trusted: str | None, unused_days: int | None, as_of: datetime | None, options: ReportOptions,
                      jobs: int = 1) -> int:
    """The offline scan, shared by ``scan --from`` and ``demo``. Returns the exit code."""
    settings = scan_settings(options, check_settings(trusted, unused_days, as_of), account_id)
    with BarProgress(Console(stderr=True), silent=options.detail == "quiet") as bar:
        run = run_scan_files(paths, settings, org_files, report_sinks(options, bar), bar, jobs)
    return finish(run, options, ReportConsole())


@click.command("scan")
@click.option("--from", "sources", multiple=True,
              type=click.Path(path_type=Path),
              help="A GetAccountAuthorizationDetails JSON file, or a directory of them (repeatable). "
                   "Without --from, scan live accounts (see the credential and account options).")
@click.option("--account-id", callback=account_id_option,
              help="The account of a file whose ARNs and file name do not say.")
@click.option("--org-accounts", "org_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="aws organizations list-accounts (and describe-organization) output (repeatable).")
@click.option("--jobs", "-j", type=click.IntRange(1, 512),
              help="Processes that load and analyse --from accounts at once, this one included [default: the "
                   "CPUs this process may use]. The report is the same whatever the number.")
@report_options
@credential_options("Assume this role and scan its account (repeatable).")
@account_options
def scan(sources: tuple[Path, ...], account_id: str | None, org_files: tuple[Path, ...], jobs: int | None,
         output_format: str, output: Path | None, output_dir: Path | None, checks: tuple[str, ...],
         severities: tuple[str, ...], accounts: tuple[str, ...], fail_on: str | None, unused_days: int | None,
         trusted_accounts: str | None, as_of: datetime | None,
         suppressions_file: Path | None, details: bool, quiet: bool, security_hub: bool,
         security_hub_region: str | None, **aws: Any) -> None:
    """Audit every role of every account: who outside can assume it, and what is wrong.

    Offline with --from; otherwise live, with the AWS CLI's credentials (-p, -R, --mfa...) in one
    account or many (--accounts, --organization).
    """
    announce_config()
    live = AwsOptions.from_params(aws)
    if sources and live.given:
        verb = "is" if len(live.given) == 1 else "are"
        raise InputError(f"--from scans files; {', '.join(live.given)} {verb} for live scans (drop --from)")
    if not sources and account_id is not None:
        raise InputError("--account-id names the account of a --from file")
    if not sources and jobs is not None:
        raise InputError("--jobs sets the processes of a --from scan; live scans reach accounts with --workers")
    options = build_report_options(output_format, output, output_dir, checks, severities, accounts, fail_on,
                                   suppressions_file, details, quiet, security_hub, security_hub_region)
    if not sources:
        from rolescope.cli.live_scan import scan_live  # boto3 is imported only for live scans

        code = scan_live(live, list(org_files), trusted_accounts, unused_days, as_of, options)
        raise click.exceptions.Exit(code)
    code = scan_file_sources(list(sources), account_id, list(org_files), trusted_accounts, unused_days, as_of,
                             options, jobs or default_jobs())
    raise click.exceptions.Exit(code)
