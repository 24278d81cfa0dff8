"""``rolescope scan`` without ``--from``: collect live accounts, then the same scan, reports and exit code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.console import Console

from rolescope.cli.aws_options import AwsOptions, check_combinations
from rolescope.cli.errors import InputError
from rolescope.cli.live import run_live
from rolescope.cli.scan import ReportOptions, build_settings, emit_reports, exit_code, filter_result, run_scan
from rolescope.inventory.files import load_organization
from rolescope.inventory.gaad import SnapshotError
from rolescope.scanner import AccountResult


def scan_live(aws: AwsOptions, org_files: Sequence[Path], trusted: str | None, unused_days: int,
              as_of: datetime | None, options: ReportOptions) -> int:
    """Scan the accounts ``aws`` reaches. Failed accounts are reported with their AWS error; the others' results
    are kept. Returns the exit code (3 when an account failed)."""
    check_combinations(aws)
    stderr = Console(stderr=True)
    stdout = Console()
    listings = []
    for org_file in org_files:
        try:
            listings.append(load_organization(org_file))
        except SnapshotError as error:
            raise InputError(f"{org_file}: {error}") from None
    run = run_live(aws, stderr, listings)
    settings = build_settings(run.organization, trusted, unused_days, as_of)
    result = run_scan(run.collection.snapshots, settings, options, stderr)
    calls = run.calls
    for account in result.accounts:
        counter = calls.get(account.account_id)
        account.api_calls = counter.calls if counter is not None else None
    result.accounts += [
        AccountResult(f.account_id, "failed", error=str(f.error), source=f.target.source,
                      api_calls=calls[f.account_id].calls if f.account_id in calls else None)
        for f in run.collection.failures
    ]
    result = filter_result(result, options)
    emit_reports(result, options, stdout)
    return exit_code(result, options, [])
