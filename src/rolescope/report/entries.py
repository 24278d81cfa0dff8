"""From the scanner's results to the scan document's entries: typed, and as ``rolescope.scan/v2`` JSON.

One account at a time (:func:`account_piece`), so that the pipeline can write each account and let
it go: the account's JSON entry holds every role, while its typed entry keeps only the roles a
renderer will need (those with findings, or all of them for the HTML report).
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO

import orjson

from rolescope.checks.catalogue import SEVERITIES, load_catalogue, severity_rank
from rolescope.checks.context import CheckSettings, filled_paths, paths_evidence
from rolescope.checks.finding import CheckError, Finding
from rolescope.data.vendors import load_vendors
from rolescope.inventory.model import Organization
from rolescope.report.model import (
    AccountEntry,
    CheckEntry,
    CheckErrorEntry,
    ConfigFile,
    ControlPolicyInfo,
    FindingEntry,
    FrameworkEntry,
    OrganizationInfo,
    RoleEntry,
    Scope,
    SettingsInForce,
    Summary,
    TrustEntry,
    role_json,
)
from rolescope.scanner import AccountResult, RoleResult
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.scp_fence import levels_without_scps

# What v1 repeated in every finding's evidence and v2 keeps once, with the role (its trust paths and
# statement text) or the finding (the statement index); ScanDocument.evidence adds it back.
ROLE_EVIDENCE = frozenset({"paths", "statement_document"})


def scan_scope(checks: Iterable[str] = (), severities: Iterable[str] = (), accounts: Iterable[str] = ()) -> Scope:
    """What a scan looked at: the checks run, severities and accounts kept (each empty: all)."""
    checks, severities, accounts = sorted(checks), frozenset(severities), sorted(accounts)
    return Scope(tuple(checks) or tuple(sorted(load_catalogue().checks)),
                 tuple(s for s in SEVERITIES if not severities or s in severities),
                 tuple(accounts) or None, bool(severities or accounts))


def settings_in_force(checks: CheckSettings, config: ConfigFile | None = None) -> SettingsInForce:
    """What the checks run with, as the document records it: every catalogue parameter's value, the
    user's severity overrides, the vendors named beyond the bundled list, the trusted accounts."""
    parameters = {name: getattr(checks, name) for info in load_catalogue().checks.values() for name in info.parameters}
    bundled = load_vendors().names
    vendors = {account: name for account, name in sorted(checks.vendors.names.items()) if bundled.get(account) != name}
    return SettingsInForce(config, parameters, dict(checks.severity_overrides), vendors,
                           tuple(sorted(checks.trusted_accounts)))


def checks_table() -> dict[str, CheckEntry]:
    """Every catalogue check, in catalogue order: the document's ``checks`` section."""
    return {key: CheckEntry.of(info) for key, info in load_catalogue().checks.items()}


def frameworks_table() -> dict[str, FrameworkEntry]:
    """Every catalogue framework: the document's ``frameworks`` section."""
    return {key: FrameworkEntry.of(framework) for key, framework in load_catalogue().frameworks.items()}


def organization_info(organization: Organization | None) -> OrganizationInfo | None:
    """The organisation as the document shows it."""
    if organization is None:
        return None
    return OrganizationInfo(
        organization.org_id, organization.management_account, tuple(sorted(organization.account_ids)),
        {a.account_id: a.name for a in sorted(organization.accounts, key=lambda a: a.account_id) if a.name},
        tuple(ControlPolicyInfo(p.policy_id, p.name, p.kind.value, p.targets) for p in organization.policies),
        levels_without_scps(organization))


def trust_entry(result: RoleResult) -> TrustEntry:
    """A role's trust policy and its analysis, as its account's ``trusts`` table holds them."""
    analysis = result.analysis
    if analysis is None:
        return TrustEntry(result.role.trust_policy, result.error or "not analysed")
    return TrustEntry(result.role.trust_policy, None, analysis.cross_account, analysis.public,
                      analysis.mfa_or_external_id_required, tuple(analysis.outside_accounts),
                      tuple(_paths(result, analysis)))


def account_piece(account: AccountResult, keep: Callable[[str], bool]) -> tuple[AccountEntry, dict[str, Any]]:
    """One account as the document holds it.

    Roles that share a trust document (byte for byte) and its analysis share one entry of the account's
    ``trusts`` table, written once and referred to by index (roles with one document under different
    RCPs have different analyses, so entries of their own).

    Args:
        account: the scanner's result for the account.
        keep: whether the typed entry keeps a role (by ARN).

    Returns:
        The typed entry (with the kept roles and the counts of all) and the JSON entry (every role).
    """
    typed, trusts, roles = _account_roles(account, keep)
    return typed, {**typed.header_json(), "trusts": [trusts.entry(i).as_json() for i in range(len(trusts.results))],
                   "roles": list(_roles_json(roles, _iso))}


def encoded_account_piece(account: AccountResult, keep: Callable[[str], bool]) -> tuple[AccountEntry, bytes]:
    """:func:`account_piece` with its JSON entry encoded as
    :func:`rolescope.report.writer.encode_account` lays it out, written straight from the roles.

    Each trust entry is written from its analysis (a typed one is made only for a role kept) and reuses
    its document's JSON, made to tell documents apart; orjson writes the roles' dates itself:
    ``isoformat`` took as long as the rest of a role's entry.
    """
    typed, trusts, roles = _account_roles(account, keep)
    return typed, account_json(
        typed.header_json(),
        map(_trust_json, trusts.results, map(orjson.Fragment, trusts.texts)),
        _roles_json(roles, _raw_date))


def _trust_json(result: RoleResult, document: Any) -> dict[str, Any]:
    """``trust_entry(result).as_json()`` with ``document`` for the trust policy, made straight from the
    result: most trust entries are only written."""
    analysis = result.analysis
    if analysis is None:
        return {"document": document, "error": result.error or "not analysed"}
    return {"document": document, "cross_account": analysis.cross_account, "public": analysis.public,
            "mfa_or_external_id_required": analysis.mfa_or_external_id_required,
            "outside_accounts": analysis.outside_accounts, "paths": _paths(result, analysis)}


def _paths(result: RoleResult, analysis: TrustAnalysis) -> list[dict[str, Any]]:
    return paths_evidence(analysis) if result.paths is None else filled_paths(analysis, result.paths)


def _roles_json(roles: Iterable[tuple[RoleResult, int, Any]], date: Callable[[datetime | None], Any]
                ) -> Iterator[dict[str, Any]]:
    """Each role's entry of the ``roles`` table (from :func:`_account_roles`), its last use written by ``date``."""
    for result, index, perimeter in roles:
        role = result.role
        yield role_json(role.name, role.arn, role.path, index, role.max_session_duration, date(role.last_used),
                        perimeter)


def account_json(fields: dict[str, Any], trusts: Iterable[Any], roles: Iterable[Any]) -> bytes:
    """An ``accounts[]`` entry as the document lays it out: its ``fields``, then a trust entry and a
    role a line."""
    out = io.BytesIO()
    out.write(b"{" + orjson.dumps(fields)[1:-1] + b',"trusts":')
    json_lines(trusts, out)
    out.write(b',"roles":')
    json_lines(roles, out)
    out.write(b"}")
    return out.getvalue()


def json_lines(items: Iterable[Any], out: BinaryIO) -> None:
    """Write a JSON array of ``items`` (objects, none empty) to ``out``, one a line.

    Each item's JSON is written as soon as it is made: orjson gives every result a 4 KiB buffer
    whatever its length, and holding thousands at once (to join them) took longer than making them.
    """
    write, dumps = out.write, orjson.dumps
    separator = b"[\n"
    for item in items:
        write(separator)
        write(dumps(item))
        separator = b",\n"
    write(b"[]" if separator == b"[\n" else b"\n]")


def _raw_date(moment: datetime | None) -> datetime | str | None:
    """What orjson writes as ``moment.isoformat()``: the datetime itself when UTC or naive (orjson
    then writes the same text), else (another offset, a subclass) that text."""
    if moment is None or (type(moment) is datetime and (moment.tzinfo is None or moment.tzinfo is UTC)):
        return moment
    return moment.isoformat()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class _Trusts:
    """An account's ``trusts`` table: each entry's first role and its document's JSON, and the typed
    entries, made when first asked for (one per entry, shared by its roles)."""

    __slots__ = ("_entries", "results", "texts")

    def __init__(self) -> None:
        self.results: list[RoleResult] = []
        self.texts: list[bytes] = []
        self._entries: dict[int, TrustEntry] = {}

    def entry(self, index: int) -> TrustEntry:
        found = self._entries.get(index)
        if found is None:
            found = self._entries[index] = trust_entry(self.results[index])
        return found


def _account_roles(account: AccountResult, keep: Callable[[str], bool]
                   ) -> tuple[AccountEntry, _Trusts, list[tuple[RoleResult, int, Any]]]:
    """The typed entry, the ``trusts`` table and each role with its trust's index and its perimeter's
    evidence."""
    table: dict[tuple[bytes, int], int] = {}
    trusts = _Trusts()
    kept: list[RoleEntry] = []
    roles: list[tuple[RoleResult, int, Any]] = []
    for result in account.roles:
        role = result.role
        # the document as written (key order counts), and the analysis: the perimeter may differ per role
        key = (orjson.dumps(role.trust_policy), id(result.analysis))
        index = table.get(key)
        if index is None:
            index = table[key] = len(trusts.results)
            trusts.results.append(result)
            trusts.texts.append(key[0])
        perimeter = result.perimeter.evidence() if result.perimeter is not None else None
        roles.append((result, index, perimeter))
        # most roles are only written: a typed entry only for those kept
        if keep(role.arn):
            kept.append(RoleEntry(role.name, role.arn, role.path, trusts.entry(index), role.max_session_duration,
                                  _iso(role.last_used), perimeter))
    typed = AccountEntry(account.account_id, account.status, account.alias, account.error, account.source,
                         tuple(kept), len(account.roles), sum(1 for r in account.roles if r.analysis is None),
                         account.api_calls,
                         dict(Counter(r.perimeter.status.value for r in account.roles if r.perimeter is not None)))
    return typed, trusts, roles


def fingerprint(finding: Finding, detail: str | None = None) -> str:
    """A stable id for a finding: the same problem on the same role keeps it across scans (and versions).

    Args:
        finding: the finding.
        detail: what tells apart findings of one check on one statement (e.g. two weak ExternalId
            values); given only when such findings collide, so other ids never change.
    """
    text = f"{finding.check}|{finding.account_id}|{finding.resource}|{finding.statement}"
    if detail is not None:
        text += f"|{detail}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def finding_entries(findings: Sequence[Finding]) -> list[FindingEntry]:
    """The findings as the document holds them, each with its unique stable id.

    Findings that share a fingerprint are told apart by their message. Only findings of one account
    can share one, so the ids of an account's findings do not depend on the other accounts.
    """
    return report_findings(findings, encode=False, evidence=True)[0]


def report_findings(findings: Sequence[Finding], *, encode: bool, evidence: bool, text: bool = True
                    ) -> tuple[list[FindingEntry], tuple[bytes, ...]]:
    """The findings' entries (as :func:`finding_entries` makes them) and, with ``encode``, each one's
    JSON as the document writes it, in one pass.

    Args:
        findings: one account's findings.
        encode: encode each entry's JSON, with its evidence.
        evidence: keep the evidence in the typed entries (else they hold none: the JSON carries it).
        text: keep each entry's id and message (else they are empty: the JSON carries them).

    Returns:
        The entries, and their JSON (empty without ``encode``).
    """
    plain = [fingerprint(f) for f in findings]
    shared = len(set(plain)) < len(plain)
    counts = Counter(plain) if shared else None
    entries: list[FindingEntry] = []
    encoded: list[bytes] = []
    # Entries without their evidence share one empty mapping (nobody changes an entry's): sent to the
    # main process, one dict per entry took a third of the time the entries took to pickle.
    no_evidence: dict[str, Any] = {}
    for finding, ident in zip(findings, plain, strict=True):
        if counts is not None and counts[ident] > 1:
            ident = fingerprint(finding, finding.message)
        own = _own_evidence(finding)
        entry = FindingEntry(ident if text else "", finding.check, finding.severity, finding.account_id,
                             finding.resource, finding.message if text else "", finding.statement,
                             own if evidence else no_evidence, finding.suppressed, finding.overridden)
        entries.append(entry)
        if encode:
            written = entry.as_json(own, copy=False)
            if not text:  # set in place: the keys keep their order
                written["id"], written["message"] = ident, finding.message
            encoded.append(orjson.dumps(written))
    return entries, tuple(encoded)


def _own_evidence(finding: Finding) -> dict[str, Any]:
    """The finding's evidence without what its role's entry holds (the paths, the statement): a copy,
    or the finding's own dict when nothing is left out (findings about principals, not roles), which
    an entry never changes."""
    evidence = finding.evidence
    # three lookups: ROLE_EVIDENCE.isdisjoint(evidence) walks the whole dict
    if "paths" not in evidence and "statement_document" not in evidence and "statement" not in evidence:
        return evidence
    own = dict(evidence)  # a copy in C, then the few keys out: the rest keep their order
    for key in ROLE_EVIDENCE:
        own.pop(key, None)
    if "statement" in own and own["statement"] == finding.statement:
        del own["statement"]
    return own


def error_entries(errors: Iterable[CheckError]) -> list[CheckErrorEntry]:
    return [CheckErrorEntry(e.check, e.account_id, e.resource, e.error) for e in errors]


def finding_order(finding: FindingEntry) -> tuple[int, str, str, str]:
    """Most severe first, then by account, role and check: the order of the document's findings."""
    return severity_rank(finding.severity), finding.account_id, finding.resource, finding.check


def summarise(accounts: Sequence[AccountEntry], findings: Sequence[FindingEntry]) -> Summary:
    """The document's ``summary``: accounts, failed accounts, roles, open findings by severity, suppressed."""
    counts = Counter(f.severity for f in findings if not f.suppressed)
    return Summary(len(accounts), sum(1 for a in accounts if a.failed), sum(a.role_count for a in accounts),
                   {s: counts.get(s, 0) for s in SEVERITIES}, sum(1 for f in findings if f.suppressed))
