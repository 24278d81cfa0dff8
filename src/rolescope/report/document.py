"""The ``rolescope.scan/v2`` document as a whole: its header, its tail, and built in one piece.

The pipeline streams the document account by account (:mod:`rolescope.report.writer`);
:func:`build_document` builds the same JSON whole, from a finished :class:`ScanResult`, for library
callers and tests that want a dict. Both take the header and the tail from here and each account's
entry from :mod:`rolescope.report.entries`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rolescope import __version__
from rolescope.inventory.model import Organization
from rolescope.report.entries import (
    account_piece,
    checks_table,
    error_entries,
    finding_entries,
    finding_order,
    frameworks_table,
    organization_info,
    scan_scope,
    summarise,
)
from rolescope.report.graph_formats import graph_section
from rolescope.report.model import (
    SCHEMA_V2,
    AccountEntry,
    CheckEntry,
    CheckErrorEntry,
    Collection,
    FindingEntry,
    FrameworkEntry,
    OrganizationInfo,
    ScanDocument,
    Scope,
    SettingsInForce,
    SuppressionReport,
    Tool,
)
from rolescope.report.suppressions import Suppressions
from rolescope.scanner import ScanResult
from rolescope.trust.graph import account_graph_part

SCHEMA = SCHEMA_V2


@dataclass(frozen=True, slots=True)
class DocumentHeader:
    """What a document says before its accounts: known when the scan starts."""

    generated_at: str
    organization: OrganizationInfo | None
    scope: Scope
    checks: Mapping[str, CheckEntry] = field(default_factory=checks_table)
    frameworks: Mapping[str, FrameworkEntry] = field(default_factory=frameworks_table)
    tool: Tool = field(default_factory=lambda: Tool("rolescope", __version__))
    as_of: str | None = None
    settings: SettingsInForce | None = None
    collection: Collection | None = None

    def as_json(self) -> dict[str, Any]:
        header = {
            "schema": SCHEMA,
            "tool": self.tool.as_json(),
            "generated_at": self.generated_at,
            "as_of": self.as_of,
            "organization": self.organization.as_json() if self.organization is not None else None,
            "scope": self.scope.as_json(),
            "checks": {key: check.as_json() for key, check in self.checks.items()},
            "frameworks": {key: framework.as_json() for key, framework in self.frameworks.items()},
        }
        if self.settings is not None:
            header["settings"] = self.settings.as_json()
        if self.collection is not None:
            header["collection"] = self.collection.as_json()
        return header


def document_header(generated_at: datetime, organization: Organization | None, scope: Scope | None = None,
                    as_of: datetime | None = None, settings: SettingsInForce | None = None,
                    collection: Collection | None = None) -> DocumentHeader:
    """The header of a scan started at ``generated_at`` in ``organization`` (default scope: everything),
    judged at the clock ``as_of`` (``None``: unknown), with the settings the checks ran with and how a live
    scan reached its accounts, when given."""
    return DocumentHeader(generated_at.isoformat(), organization_info(organization), scope or scan_scope(),
                          as_of=None if as_of is None else as_of.isoformat(), settings=settings,
                          collection=collection)


def assemble(header: DocumentHeader, accounts: Sequence[AccountEntry], findings: Iterable[FindingEntry],
             errors: Iterable[CheckErrorEntry], suppressions: Suppressions | None,
             graph: Mapping[str, Any] | None) -> ScanDocument:
    """The typed document of a finished scan; findings are sorted most severe first.

    Args:
        header: the document's header.
        accounts: every account, in scan order.
        findings: the findings kept (filtered and marked suppressed).
        errors: the check errors.
        suppressions: the suppressions file the scan used, reported with what expired.
        graph: the graph section, or ``None``.
    """
    ordered = sorted(findings, key=finding_order)
    report = suppressions.report(ordered) if suppressions is not None else SuppressionReport()
    return ScanDocument(SCHEMA, header.tool, header.generated_at, header.organization, header.scope, header.checks,
                        tuple(accounts), summarise(accounts, ordered), tuple(ordered), tuple(errors), report, graph,
                        header.frameworks, header.as_of, header.settings, header.collection)


def tail_json(document: ScanDocument, findings: bool = True) -> dict[str, Any]:
    """What the document says after its accounts: only known when the scan is done (without the
    findings when not ``findings``: the streamed writer lays them out itself)."""
    tail: dict[str, Any] = {"summary": document.summary.as_json()}
    if findings:
        tail["findings"] = [f.as_json() for f in document.findings]
    tail["errors"] = [e.as_json() for e in document.errors]
    tail["suppressions"] = document.suppressions.as_json()
    tail["graph"] = None if document.graph is None else dict(document.graph)
    return tail


def trust_graph(result: ScanResult) -> dict[str, Any]:
    """The cross-account trust graph of the scanned accounts: the document's ``graph`` section."""
    audited = [
        account_graph_part(a.snapshot, [(r.role, r.analysis) for r in a.roles if r.analysis is not None])
        for a in result.accounts if a.snapshot is not None
    ]
    return graph_section(audited, result.organization)


def build_document(result: ScanResult, *, scope: Scope | None = None, suppressions: Suppressions | None = None,
                   graph: bool = True, settings: SettingsInForce | None = None) -> dict[str, Any]:
    """The scan as one JSON-ready ``rolescope.scan/v2`` document, built whole in memory.

    Args:
        result: the scan (findings already filtered and marked suppressed).
        scope: the checks and filters the scan ran with (default: everything).
        suppressions: the suppressions file the scan used, reported with what expired.
        graph: include the trust graph (``None`` otherwise).
        settings: what the checks ran with, to record (see :func:`rolescope.report.entries.settings_in_force`).

    Returns:
        The document, as the streamed writer writes it.
    """
    header = document_header(result.generated_at, result.organization, scope, result.as_of, settings)
    pieces = [account_piece(a, lambda _: False) for a in result.accounts]
    document = assemble(header, [typed for typed, _ in pieces], finding_entries(result.findings),
                        error_entries(result.errors), suppressions, trust_graph(result) if graph else None)
    return {**header.as_json(), "accounts": [entry for _, entry in pieces], **tail_json(document)}


def scan_document(result: ScanResult, *, scope: Scope | None = None, suppressions: Suppressions | None = None,
                  graph: bool = True, settings: SettingsInForce | None = None) -> ScanDocument:
    """The typed document of a finished scan, holding every role (see :func:`build_document`)."""
    header = document_header(result.generated_at, result.organization, scope, result.as_of, settings)
    accounts = [account_piece(a, lambda _: True)[0] for a in result.accounts]
    return assemble(header, accounts, finding_entries(result.findings), error_entries(result.errors), suppressions,
                    trust_graph(result) if graph else None)
