"""``rolescope graph``: the cross-account trust graph from GAAD files."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from rolescope.atomic_write import write_atomic
from rolescope.checks.context import CheckSettings
from rolescope.cli.clock import as_of_option, scan_clock
from rolescope.cli.errors import EXIT_USAGE
from rolescope.cli.inputs import account_id_option
from rolescope.cli.scan import run_scan_files
from rolescope.pipeline import ScanSettings
from rolescope.report.graph_formats import FORMATS, render_graph
from rolescope.workers import default_jobs


@click.command("graph")
@click.option("--from", "sources", multiple=True, required=True, type=click.Path(path_type=Path),
              help="GetAccountAuthorizationDetails files or directories (repeatable).")
@click.option("--account-id", callback=account_id_option, help="Account of a file that does not say.")
@click.option("--org-accounts", "org_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="aws organizations list-accounts (and describe-organization) output (repeatable).")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="dot", show_default=True,
              help="dot, json (the scan document's graph section), mermaid, or text (groups, roles that can "
                   "assume each other, chains explained).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the graph here (replaced atomically) instead of standard output.")
@as_of_option
def graph(sources: tuple[Path, ...], account_id: str | None, org_files: tuple[Path, ...], output_format: str,
          output: Path | None, as_of: datetime | None) -> None:
    """Write who can assume what across accounts, and the role chains that cross accounts.

    The principals of an account that may assume any role form one group node; a role trusting the
    account gets one edge from it. Chains are found by reachability: for each role, the shortest
    chain from outside its account."""
    # No checks: the graph needs only each account's trust analyses.
    # The graph itself, drawn below; the scan document's section of it is not wanted here.
    settings = ScanSettings(CheckSettings(now=scan_clock(as_of)), check_ids=(), account_id=account_id, graph=False,
                            keep_graph=True, finding_roles=False)
    run = run_scan_files(sources, settings, org_files, jobs=default_jobs())
    assert run.trust_graph is not None  # asked for with keep_graph
    payload = render_graph(run.trust_graph, output_format)
    if output is not None:
        write_atomic(output, payload)
    else:
        sys.stdout.write(payload.decode())
    if run.load_failures:
        raise click.exceptions.Exit(EXIT_USAGE)
