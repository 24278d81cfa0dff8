"""What ``who-can-assume``, ``can-assume`` and ``path`` share: where the trust graph comes from (a scan
document's graph section, or GAAD exports scanned here), the output format, and the CI exit code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from rolescope.checks.context import CheckSettings
from rolescope.cli.clock import as_of_option, scan_clock
from rolescope.cli.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InputError
from rolescope.cli.inputs import account_id_option
from rolescope.cli.scan import run_scan_files
from rolescope.pipeline import ScanSettings
from rolescope.report.model import ScanDocument
from rolescope.report.reader import DocumentError, read_document
from rolescope.trust.access import TrustWay, UnknownNode, trust_ways
from rolescope.trust.graph_model import TrustGraph
from rolescope.trust.graph_read import GraphSectionError, graph_from_section
from rolescope.workers import default_jobs

F = TypeVar("F", bound=Callable[..., Any])
ACCESS_FORMATS = ("table", "json", "mermaid")


@dataclass(frozen=True, slots=True)
class AccessInput:
    """The graph to query and each role's trust paths (for the condition values of each hop).

    Attributes:
        graph: the trust graph.
        trusts: role ARN -> its trust paths.
        incomplete: some input files could not be read (the answer may miss what they hold).
    """

    graph: TrustGraph
    trusts: dict[str, tuple[TrustWay, ...]]
    incomplete: bool = False


def access_options(function: F) -> F:
    """``--scan``/``--from`` (and what scanning GAAD files needs), ``--format`` and ``--fail-if-any``."""
    options = [
        click.option("--scan", "scan_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="A scan document (rolescope scan --format json) with its graph section."),
        click.option("--from", "sources", multiple=True, type=click.Path(path_type=Path),
                     help="GetAccountAuthorizationDetails files or directories, scanned here (repeatable)."),
        click.option("--account-id", callback=account_id_option, help="Account of a --from file that does not say."),
        click.option("--org-accounts", "org_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="aws organizations list-accounts (and describe-organization) output, with --from."),
        as_of_option,
        click.option("--format", "output_format", type=click.Choice(ACCESS_FORMATS), default="table",
                     show_default=True, help="table (for people), json, or mermaid (the chains as a flowchart)."),
        click.option("--fail-if-any", is_flag=True,
                     help="Exit 1 when the answer is not empty (a CI guard: nobody outside X reaches Y)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def load_access(scan_file: Path | None, sources: Sequence[Path], account_id: str | None,
                org_files: Sequence[Path], as_of: datetime | None) -> AccessInput:
    """The graph from ``--scan`` or ``--from``; every problem is a one-line :class:`InputError`."""
    if (scan_file is None) == (not sources):
        raise InputError("give either --scan FILE (a scan document) or --from DIR (GAAD exports)")
    if scan_file is not None:
        if account_id or org_files or as_of:
            raise InputError("--account-id, --org-accounts and --as-of go with --from: a scan document was judged "
                             "when it was written")
        return _from_document(scan_file)
    settings = ScanSettings(CheckSettings(now=scan_clock(as_of)), check_ids=(), account_id=account_id, graph=False,
                            keep_graph=True, all_roles=True, finding_roles=False)
    run = run_scan_files(sources, settings, org_files, jobs=default_jobs())
    assert run.trust_graph is not None  # asked for with keep_graph
    return AccessInput(run.trust_graph, _trusts(run.document), bool(run.load_failures))


def _from_document(path: Path) -> AccessInput:
    try:
        document = read_document(path)
    except DocumentError as error:
        raise InputError(str(error)) from None
    if document.graph is None:
        raise InputError(f"{path}: the scan document has no graph section (it is written with --format json); "
                         "scan again with --format json, or give the GAAD exports with --from")
    try:
        graph = graph_from_section(document.graph)
    except GraphSectionError as error:
        raise InputError(f"{path}: {error}") from None
    return AccessInput(graph, _trusts(document))


def _trusts(document: ScanDocument) -> dict[str, tuple[TrustWay, ...]]:
    return {role.arn: trust_ways(role.trust.paths) for account in document.accounts for role in account.roles}


def unknown(error: UnknownNode) -> InputError:
    """An ARN the graph does not hold, as the one-line usage error (exit 2)."""
    return InputError(str(error))


def exit_code(found: bool, fail_if_any: bool, incomplete: bool) -> int:
    """Exit 2 when input files were unreadable (the answer may be short), 1 when ``--fail-if-any`` and
    something was found, else 0."""
    if incomplete:
        return EXIT_USAGE
    return EXIT_FINDINGS if fail_if_any and found else EXIT_OK
