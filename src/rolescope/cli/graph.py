"""``rolescope graph``: the cross-account trust graph from GAAD files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolescope.checks.context import CheckSettings
from rolescope.cli.errors import InputError
from rolescope.cli.inputs import account_id_option
from rolescope.inventory.files import load_organization, load_snapshots, merge_organizations
from rolescope.inventory.gaad import SnapshotError
from rolescope.report.atomic import write_atomic
from rolescope.report.graph_formats import FORMATS, render_graph
from rolescope.scanner import scan_snapshots
from rolescope.trust.graph import account_graph_part, build_graph


@click.command("graph")
@click.option("--from", "sources", multiple=True, required=True, type=click.Path(path_type=Path),
              help="GetAccountAuthorizationDetails files or directories (repeatable).")
@click.option("--account-id", callback=account_id_option, help="Account of a file that does not say.")
@click.option("--org-accounts", "org_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="dot", show_default=True,
              help="dot, json (the scan document's graph section), mermaid, or text (groups, roles that can "
                   "assume each other, chains explained).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
def graph(sources: tuple[Path, ...], account_id: str | None, org_files: tuple[Path, ...], output_format: str,
          output: Path | None) -> None:
    """Write who can assume what across accounts, and the role chains that cross accounts.

    The principals of an account that may assume any role form one group node; a role trusting the
    account gets one edge from it. Chains are found by reachability: for each role, the shortest
    chain from outside its account."""
    snapshots, failures, organizations = load_snapshots(sources, account_id)
    for failure in failures:
        click.echo(f"rolescope: error: {failure.source}: {failure.error}", err=True)
    for org_file in org_files:
        try:
            organizations.append(load_organization(org_file))
        except SnapshotError as error:
            raise InputError(f"{org_file}: {error}") from None
    if not snapshots:
        raise InputError("no snapshot could be read")
    organization = merge_organizations(organizations)
    result = scan_snapshots(snapshots, CheckSettings(organization=organization), checks=())
    parts = [account_graph_part(a.snapshot, [(r.role, r.analysis) for r in a.roles if r.analysis is not None])
             for a in result.accounts if a.snapshot is not None]
    payload = render_graph(build_graph(parts, organization), output_format)
    if output is not None:
        write_atomic(output, payload)
    else:
        sys.stdout.write(payload.decode())
    if failures:
        raise click.exceptions.Exit(2)
