"""``rolescope path FROM TO``: the shortest chain from a principal into a role, or why there is none."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from rolescope.cli.access_source import access_options, exit_code, load_access, unknown
from rolescope.report.access_formats import render_chains_mermaid, render_json, render_path_table
from rolescope.textsafe import safe_text
from rolescope.trust.access import UnknownNode, locate, shortest_path
from rolescope.trust.access_why import why_no_path


@click.command("path")
@click.argument("source")
@click.argument("target")
@access_options
def path_command(source: str, target: str, scan_file: Path | None, sources: tuple[Path, ...],
                 account_id: str | None, org_files: tuple[Path, ...], as_of: datetime | None, output_format: str,
                 fail_if_any: bool) -> None:
    """The shortest chain from SOURCE (a user or role ARN) into the role TARGET, hop by hop with what each
    request must carry; or why there is none: the trust statement that does not admit SOURCE's account,
    or the identity permission sts:AssumeRole that SOURCE lacks."""
    access = load_access(scan_file, sources, account_id, org_files, as_of)
    graph = access.graph
    try:
        found = shortest_path(graph, source, target, access.trusts)
        reasons = () if found is not None else why_no_path(graph, source, target, access.trusts)
        ends = [graph.nodes[locate(graph, source)], graph.nodes[locate(graph, target)]]
    except UnknownNode as error:
        raise unknown(error) from None
    answers = [found] if found is not None else []
    if output_format == "json":
        sys.stdout.buffer.write(render_json({"from": source, "to": target}, answers, reasons=list(reasons)))
    elif output_format == "mermaid":
        chart = render_chains_mermaid(answers, ends)
        sys.stdout.write(chart + "".join(f"%% {safe_text(reason)}\n" for reason in reasons))
    else:
        sys.stdout.write(render_path_table(source, target, found, reasons))
    raise click.exceptions.Exit(exit_code(bool(answers), fail_if_any, access.incomplete))
