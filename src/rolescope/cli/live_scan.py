"""``rolescope scan`` without ``--from``: collect live accounts, then the same scan, reports and exit code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.console import Console

from rolescope import pipeline
from rolescope.cli.aws_options import AwsOptions, check_combinations
from rolescope.cli.errors import InputError
from rolescope.cli.live import print_calls, reach, report_collection
from rolescope.cli.progress import BarProgress
from rolescope.cli.scan import (
    ReportOptions,
    check_settings,
    finish,
    report_sinks,
    scan_input_error,
    scan_settings,
)
from rolescope.cli.stdout import ReportConsole
from rolescope.gc_pause import paused_gc
from rolescope.inventory.files import load_organization
from rolescope.inventory.gaad import SnapshotError
from rolescope.inventory.live import AccountData, AccountFailure
from rolescope.pipeline import ScanInputError, UnknownAccounts
from rolescope.wording import count

COLLECTING = "collecting accounts"


def scan_live(aws: AwsOptions, org_files: Sequence[Path], trusted: str | None, unused_days: int | None,
              as_of: datetime | None, options: ReportOptions) -> int:
    """Scan the accounts ``aws`` reaches. Failed accounts are reported with their AWS error; the others' results
    are kept. Returns the exit code (3 when an account failed)."""
    check_combinations(aws)
    stderr = Console(stderr=True)
    listings = []
    for org_file in org_files:
        try:
            listings.append(load_organization(org_file))
        except SnapshotError as error:
            raise InputError(f"{org_file}: {error}") from None
    broker, _, organization, targets = reach(aws, stderr, listings)
    reached = {t.account_id for t in targets}
    if not options.accounts <= reached:  # known before collecting anything
        raise scan_input_error(UnknownAccounts(sorted(options.accounts - reached), sorted(reached)))
    settings = scan_settings(options, check_settings(trusted, unused_days, as_of))
    collected: dict[str, AccountData | AccountFailure] = {}
    with BarProgress(stderr, silent=options.detail == "quiet") as bar:
        bar.started(COLLECTING, len(targets))

        def advance(outcome: AccountData | AccountFailure) -> None:
            collected[outcome.target.account_id] = outcome
            bar.advanced(COLLECTING)
            if len(collected) == len(targets):
                bar.finished(COLLECTING, count(len(collected), "account"))

        with paused_gc():  # see rolescope.gc_pause: a process-wide setting, the CLI's to make
            try:
                run = pipeline.scan_live(targets, broker.session_for, settings, organization=organization,
                                         workers=aws.workers, collected=advance, sinks=report_sinks(options, bar),
                                         progress=bar)
            except ScanInputError as error:
                raise scan_input_error(error) from None
    in_order = [collected[t.account_id] for t in targets if t.account_id in collected]
    report_collection([c for c in in_order if isinstance(c, AccountFailure)],
                      [c for c in in_order if isinstance(c, AccountData)], stderr)
    if aws.verbose:
        print_calls(broker, targets, stderr)
    return finish(run, options, ReportConsole())
