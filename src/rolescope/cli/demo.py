"""``rolescope demo``: scan the bundled sample organisation, no AWS needed."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import click

from rolescope.cli.config_file import announce_config
from rolescope.cli.scan import build_report_options, report_options, scan_file_sources

# The sample organisation's files describe the accounts as they stood on this day; judging role usage
# as of it keeps the demo's findings the same whenever it runs.
SAMPLE_DATE = datetime(2026, 11, 23, tzinfo=UTC)


def sample_org_path() -> Path:
    """Where the bundled sample organisation's GAAD files live."""
    return Path(str(resources.files("rolescope.data").joinpath("sample_org")))


@click.command("demo")
@report_options
def demo(output_format: str, output: Path | None, output_dir: Path | None, checks: tuple[str, ...],
         severities: tuple[str, ...], accounts: tuple[str, ...], fail_on: str | None, unused_days: int | None,
         trusted_accounts: str | None, as_of: datetime | None,
         suppressions_file: Path | None, details: bool, quiet: bool, security_hub: bool,
         security_hub_region: str | None) -> None:
    """Scan the bundled sample organisation (Northwind Analytics: 6 accounts, 45 roles) and report."""
    announce_config()
    options = build_report_options(output_format, output, output_dir, checks, severities, accounts, fail_on,
                                   suppressions_file, details, quiet, security_hub, security_hub_region)
    code = scan_file_sources([sample_org_path()], None, [], trusted_accounts, unused_days, as_of or SAMPLE_DATE,
                             options)
    raise click.exceptions.Exit(code)
