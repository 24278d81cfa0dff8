"""``rolescope can-assume PRINCIPAL_ARN``: every role a user or role can end up in, with its shortest chain."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from rolescope.cli.access_source import access_options, exit_code, load_access, unknown
from rolescope.report.access_formats import render_chains_mermaid, render_json, render_table
from rolescope.trust.access import UnknownNode, can_assume, locate
from rolescope.trust.graph_json import describe
from rolescope.wording import count


@click.command("can-assume")
@click.argument("principal_arn")
@click.option("--cross-account-only", is_flag=True, help="Only roles of accounts other than the principal's.")
@access_options
def can_assume_command(principal_arn: str, cross_account_only: bool, scan_file: Path | None,
                       sources: tuple[Path, ...], account_id: str | None, org_files: tuple[Path, ...],
                       as_of: datetime | None, output_format: str, fail_if_any: bool) -> None:
    """Every role, in every scanned account, that PRINCIPAL_ARN (a user or role ARN, an assumed-role
    session ARN, or a graph node id such as account:ID) can end up in, directly or through a chain."""
    access = load_access(scan_file, sources, account_id, org_files, as_of)
    try:
        answers = can_assume(access.graph, principal_arn, cross_account_only=cross_account_only, trusts=access.trusts)
        principal = access.graph.nodes[locate(access.graph, principal_arn)]
    except UnknownNode as error:
        raise unknown(error) from None
    if output_format == "json":
        sys.stdout.buffer.write(render_json({"can_assume": principal_arn, "cross_account_only": cross_account_only},
                                            answers))
    elif output_format == "mermaid":
        sys.stdout.write(render_chains_mermaid(answers, [principal]))
    else:
        where = " in other accounts" if cross_account_only else ""
        title = f"{describe(principal)} can end up in {count(len(answers), 'role')}{where}:" if answers \
            else f"{describe(principal)} can end up in no role{where}."
        sys.stdout.write(render_table(title, answers, who=False))
    raise click.exceptions.Exit(exit_code(bool(answers), fail_if_any, access.incomplete))
