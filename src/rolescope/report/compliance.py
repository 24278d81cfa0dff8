"""Compliance view of a scan: each requirement a framework lists, passed or failed per account.

A requirement is assessed by the checks the catalogue maps to it. In an account, a role *fails* the
requirement when it has an open (unsuppressed) finding of one of those checks, is *suppressed*
when its only such findings are suppressed, and *passes* otherwise. An account that could not be
scanned, or a requirement none of whose checks ran, is *not assessed*: absence of findings there
proves nothing. The mappings are rolescope's informative ones (see ``checks/catalogue.yaml``), not
certified crosswalks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rolescope.checks.catalogue import SEVERITIES, Catalogue, load_catalogue
from rolescope.report.csv_report import csv_cell
from rolescope.report.model import AccountEntry, FindingEntry, ScanDocument

COMPLIANCE_SCHEMA = "rolescope.compliance/v1"

PASS, FAIL, NOT_ASSESSED = "pass", "fail", "not assessed"


class UnknownFramework(ValueError):
    """The framework name matches none (or several) of the catalogue's; the message lists them."""


@dataclass(frozen=True, slots=True)
class AccountTally:
    account_id: str
    status: str
    passed: int = 0
    failed: int = 0
    suppressed: int = 0
    failing_roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RequirementResult:
    id: str
    title: str
    checks: tuple[str, ...]
    status: str
    accounts: tuple[AccountTally, ...]


@dataclass(frozen=True, slots=True)
class FrameworkReport:
    key: str
    name: str
    version: str
    url: str
    accounts: tuple[str, ...]
    requirements: tuple[RequirementResult, ...]
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "framework": self.key,
            "name": self.name,
            "version": self.version,
            "url": self.url,
            "accounts": list(self.accounts),
            "notes": list(self.notes),
            "summary": {status: sum(1 for r in self.requirements if r.status == status)
                        for status in (PASS, FAIL, NOT_ASSESSED)},
            "requirements": [
                {"id": r.id, "title": r.title, "checks": list(r.checks), "status": r.status,
                 "accounts": [{"account_id": a.account_id, "status": a.status, "passed": a.passed,
                               "failed": a.failed, "suppressed": a.suppressed,
                               "failing_roles": list(a.failing_roles)} for a in r.accounts]}
                for r in self.requirements
            ],
        }


def resolve_framework(name: str, catalogue: Catalogue | None = None) -> str:
    """The catalogue key ``name`` means: exact or case-insensitive key, else a unique prefix.

    Raises:
        UnknownFramework: no framework, or more than one, matches.
    """
    keys = list((catalogue or load_catalogue()).frameworks)
    wanted = name.strip().lower()
    exact = [k for k in keys if k.lower() == wanted]
    if exact:
        return exact[0]
    prefixed = [k for k in keys if k.lower().startswith(wanted)] if wanted else []
    if len(prefixed) == 1:
        return prefixed[0]
    what = "is ambiguous" if prefixed else "is not a framework the catalogue maps"
    raise UnknownFramework(f"{name!r} {what}; choose from {', '.join(keys)} (or all)")


def _notes(document: ScanDocument, ran: frozenset[str], catalogue: Catalogue) -> list[str]:
    notes = []
    severities = document.scope.severities
    if set(severities) != set(SEVERITIES):
        notes.append("the scan kept only findings of severity " + ", ".join(severities)
                     + ": roles counted as passing may have findings of other severities")
    missing = sorted(set(catalogue.checks) - ran)
    if missing:
        notes.append("checks that did not run (their requirements are not assessed by them): " + ", ".join(missing))
    failed = [a.account_id for a in document.failed_accounts]
    if failed:
        notes.append("accounts not scanned (not assessed): " + ", ".join(failed))
    return notes


def framework_report(document: ScanDocument, framework: str, catalogue: Catalogue | None = None
                     ) -> FrameworkReport:
    """Each requirement of ``framework``, with pass/fail counts of roles per account.

    Args:
        document: a scan document.
        framework: a catalogue framework key (see :func:`resolve_framework`).
        catalogue: the catalogue (default: the bundled one).
    """
    catalogue = catalogue or load_catalogue()
    spec = catalogue.frameworks[framework]
    ran = frozenset(document.scope.checks)
    mapped: dict[str, list[str]] = {}
    for info in catalogue.checks.values():
        for requirement in info.compliance:
            if requirement.framework == framework:
                mapped.setdefault(requirement.id, []).append(info.id)
    findings_by_role: dict[tuple[str, str], list[FindingEntry]] = {}
    for finding in document.findings:
        findings_by_role.setdefault((finding.account_id, finding.resource), []).append(finding)

    requirements = []
    for requirement_id, title in spec.requirements.items():
        checks = tuple(mapped.get(requirement_id, ()))
        active = frozenset(checks) & ran
        tallies = [_tally(account, active, findings_by_role) for account in document.accounts]
        statuses = {t.status for t in tallies}
        status = FAIL if FAIL in statuses else PASS if statuses == {PASS} else NOT_ASSESSED
        requirements.append(RequirementResult(requirement_id, title, checks, status, tuple(tallies)))
    return FrameworkReport(framework, spec.name, spec.version, spec.url,
                           tuple(a.account_id for a in document.accounts), tuple(requirements),
                           tuple(_notes(document, ran, catalogue)))


def _tally(account: AccountEntry, checks: frozenset[str],
           findings_by_role: dict[tuple[str, str], list[FindingEntry]]) -> AccountTally:
    """Roles of ``account`` failing, suppressed and passing ``checks``.

    Only roles with findings need be held: a readable role the document does not hold has none, so passes.
    """
    if account.failed or not checks:
        return AccountTally(account.account_id, NOT_ASSESSED)
    failed = suppressed = 0
    failing: list[str] = []
    for role in account.roles:
        if role.error is not None:
            continue  # its trust policy could not be read: it is in the scan's errors, not assessed here
        relevant = [f for f in findings_by_role.get((account.account_id, role.arn), ()) if f.check in checks]
        if any(not f.suppressed for f in relevant):
            failed += 1
            failing.append(role.arn)
        elif relevant:
            suppressed += 1
    passed = account.role_count - account.unreadable_roles - failed - suppressed
    return AccountTally(account.account_id, FAIL if failed else PASS, passed, failed, suppressed, tuple(failing))


def compliance_reports(document: ScanDocument, frameworks: Sequence[str] | None = None) -> list[FrameworkReport]:
    """:func:`framework_report` for each of ``frameworks`` (default: every framework the catalogue maps)."""
    catalogue = load_catalogue()
    return [framework_report(document, key, catalogue) for key in (frameworks or list(catalogue.frameworks))]


def compliance_json(reports: Sequence[FrameworkReport], one: bool) -> dict[str, Any]:
    """The ``rolescope.compliance/v1`` document: one framework's report, or ``{"frameworks": [...]}``.

    Its schema tells it from account data, so a scan given it skips it as rolescope's own output.
    """
    if one:
        return {"schema": COMPLIANCE_SCHEMA, **reports[0].as_json()}
    return {"schema": COMPLIANCE_SCHEMA, "frameworks": [report.as_json() for report in reports]}


def render_compliance_csv(reports: Sequence[FrameworkReport]) -> bytes:
    """One row per framework, requirement and account."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["framework", "requirement", "title", "checks", "requirement_status", "account_id",
                     "account_status", "roles_passed", "roles_failed", "roles_suppressed"])
    for report in reports:
        for requirement in report.requirements:
            for tally in requirement.accounts:
                writer.writerow([*map(csv_cell, (report.key, requirement.id, requirement.title,
                                                 " ".join(requirement.checks), requirement.status, tally.account_id,
                                                 tally.status)),
                                 tally.passed, tally.failed, tally.suppressed])
    return buffer.getvalue().encode("utf-8")
