"""``rolescope export``: collect live accounts and write each as GAAD-shaped JSON for offline scans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from rolescope.cli.aws_options import AwsOptions, account_options, check_combinations, credential_options
from rolescope.cli.errors import EXIT_ACCOUNTS, EXIT_OK, InputError
from rolescope.cli.live import run_live
from rolescope.inventory.export import export_accounts
from rolescope.textsafe import safe_text
from rolescope.wording import count


@click.command("export")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for <account-id>.json files (and organization.json with --organization).")
@credential_options("Assume this role and export its account (repeatable).")
@account_options
def export(out: Path, **params: Any) -> None:
    """Collect accounts live and write each one's snapshot for `rolescope scan --from DIR`."""
    options = AwsOptions.from_params(params)
    check_combinations(options)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a directory")
    stderr = Console(stderr=True)
    run = run_live(options, stderr)
    try:
        export_accounts(run.collection.accounts, out, run.organization)
    except OSError as error:
        raise InputError(f"--out {out}: cannot write: {error.strerror or error}") from None
    accounts = len(run.collection.accounts)
    stderr.print(safe_text(f"rolescope: wrote {count(accounts, 'account')} to {out}"
                           + (f" ({len(run.collection.failures)} failed)" if run.collection.failures else "")),
                 markup=False, highlight=False)
    raise click.exceptions.Exit(EXIT_ACCOUNTS if run.collection.failures else EXIT_OK)
