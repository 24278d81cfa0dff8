"""``rolescope who-can-assume ROLE_ARN``: every principal that can end up in a role, with its shortest chain."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from rolescope.cli.access_source import access_options, exit_code, load_access, unknown
from rolescope.report.access_formats import render_chains_mermaid, render_json, render_table
from rolescope.trust.access import UnknownNode, locate, who_can_assume
from rolescope.trust.graph_json import describe
from rolescope.wording import count


@click.command("who-can-assume")
@click.argument("role_arn")
@click.option("--direct", is_flag=True, help="Only those that get in with one sts:AssumeRole call.")
@click.option("--expand", is_flag=True, help="Also list each member of a principal group that gets in as a member.")
@access_options
def who_can_assume_command(role_arn: str, direct: bool, expand: bool, scan_file: Path | None,
                           sources: tuple[Path, ...], account_id: str | None, org_files: tuple[Path, ...],
                           as_of: datetime | None, output_format: str, fail_if_any: bool) -> None:
    """Every principal (user, role, principal group, outside account, identity provider, service, anyone)
    that can end up in ROLE_ARN, directly or through a chain, each with its shortest chain and what
    each hop's request must carry."""
    access = load_access(scan_file, sources, account_id, org_files, as_of)
    try:
        answers = who_can_assume(access.graph, role_arn, direct=direct, expand=expand, trusts=access.trusts)
    except UnknownNode as error:
        raise unknown(error) from None
    if output_format == "json":
        sys.stdout.buffer.write(render_json({"who_can_assume": role_arn, "direct": direct, "expand": expand},
                                            answers))
    elif output_format == "mermaid":
        sys.stdout.write(render_chains_mermaid(answers, [access.graph.nodes[locate(access.graph, role_arn)]]))
    else:
        role = describe(access.graph.nodes[locate(access.graph, role_arn)])
        title = f"{count(len(answers), 'principal')} can end up in {role}" + (" directly" if direct else "") + ":" \
            if answers else f"Nobody can end up in {role}" + (" directly." if direct else ".")
        sys.stdout.write(render_table(title, answers, who=True))
    raise click.exceptions.Exit(exit_code(bool(answers), fail_if_any, access.incomplete))
