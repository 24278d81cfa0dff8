"""The engine on template roles: the same analysis and checks as ``check-policy``, per variant."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import orjson

from rolescope.checks.catalogue import severity_rank
from rolescope.checks.context import CheckSettings, RoleContext
from rolescope.checks.registry import CHECKS, run_checks
from rolescope.iac.model import TemplateError, TemplateRole, Variant
from rolescope.iac.unknowns import StandIns, reasons, stand_ins, substitute
from rolescope.policy.errors import PolicyError
from rolescope.policy.parse import parse_policy
from rolescope.trust.analysis import TrustAnalysis, analyse_trust
from rolescope.trust.witness import Zone


@dataclass(frozen=True, slots=True)
class IacFinding:
    """One finding about one role in one source file.

    Attributes:
        check: the catalogue id.
        severity: its severity (the catalogue's, or the override a check or the user chose).
        path: the file.
        line: the line of the statement that causes it, else of the resource; 0 when unknown.
        resource: the logical id or Terraform address.
        message: one sentence, unknown values named as what they are.
        statement: the statement index, when one causes it.
        when: the ``Fn::If`` branches under which it holds (``IsProd=true``); ``None``: always.
        assumptions: the unknown values the verdict rests on (``unresolved parameter PartnerAccount``).
        suppressed: the reason, when the source accepts the risk.
    """

    check: str
    severity: str
    path: str
    line: int
    resource: str
    message: str
    statement: int | None = None
    when: str | None = None
    assumptions: tuple[str, ...] = ()
    suppressed: str | None = None


@dataclass(frozen=True, slots=True)
class RoleVerdict:
    """What the engine found for one role: its findings and what the analysis says (the worst variant)."""

    role: TemplateRole
    findings: tuple[IacFinding, ...]
    cross_account: bool
    public: bool
    errors: tuple[str, ...] = ()


def evaluate_role(role: TemplateRole, zone: Zone, settings: CheckSettings) -> RoleVerdict:
    """Analyse every variant of ``role``'s trust policy and merge their findings.

    Raises:
        TemplateError: a variant is not a trust policy IAM would accept.
    """
    taken = {zone.account_id, *settings.trusted_accounts, *_digits(role)}
    accounts = stand_ins(role.unknowns, taken)
    checks = [c for c in CHECKS if not c.needs_account]
    # One finding per check and statement: the worst any variant gives, with the branches it holds under.
    found: dict[tuple[str, int | None], tuple[IacFinding, set[int]]] = {}
    cross_account = public = False
    errors: list[str] = []
    for number, variant in enumerate(role.variants):
        analysis = _analysis(role, variant, accounts, zone, settings)
        cross_account |= bool(analysis.cross_account)
        public |= bool(analysis.public)
        context = RoleContext(zone.account_id, role.resource, analysis, settings)
        results, failures = run_checks(context, checks)
        errors += [f"{e.check}: {e.error}" for e in failures]
        for result in results:
            assumptions = tuple(reasons(_statement(variant.document, result.statement), role.unknowns))
            finding = IacFinding(result.check, result.severity, role.path, _line(role, variant, result.statement),
                                 role.resource, accounts.named(result.message), result.statement, None, assumptions,
                                 _suppressed(role, result.check))
            key = (result.check, result.statement)
            numbers = found[key][1] if key in found else set()
            if key not in found or _worse(finding, found[key][0]):
                found[key] = (finding, numbers)
            numbers.add(number)
    findings = [finding if len(numbers) == len(role.variants) else replace(finding, when=_when(role, numbers))
                for finding, numbers in found.values()]
    findings.sort(key=lambda f: (severity_rank(f.severity), f.line, f.check))
    return RoleVerdict(role, tuple(findings), cross_account, public, tuple(errors))


def _analysis(role: TemplateRole, variant: Variant, accounts: StandIns, zone: Zone,
              settings: CheckSettings) -> TrustAnalysis:
    document = substitute(variant.document, role.unknowns, accounts, settings.min_external_id_length)
    try:
        policy = parse_policy(document if isinstance(document, dict) else {"Statement": document})
    except PolicyError as error:
        raise TemplateError(f"resource {role.resource}{_at(role.line)}: {accounts.named(str(error))}") from None
    return analyse_trust(policy, zone, settings.min_external_id_pattern_literals)


def _worse(finding: IacFinding, than: IacFinding) -> bool:
    """More severe, or as severe and saying more (naming more principals): the one to report."""
    return (severity_rank(finding.severity), -len(finding.message)) < (severity_rank(than.severity),
                                                                       -len(than.message))


def _statement(document: Any, index: int | None) -> Any:
    """The statement at ``index`` as written (the whole document when there is none)."""
    statements = document.get("Statement") if isinstance(document, dict) else None
    items = [statements] if isinstance(statements, dict) else statements
    if index is not None and isinstance(items, list) and index < len(items):
        return items[index]
    return document


def _at(line: int) -> str:
    return f" (line {line})" if line else ""


def _digits(role: TemplateRole) -> set[str]:
    """Every 12-digit run in the role's documents: a stand-in account must not be one of them."""
    text = b"".join(orjson.dumps(v.document) for v in role.variants).decode()
    return {text[i:i + 12] for i in range(len(text) - 11) if text[i:i + 12].isdigit()}


def _line(role: TemplateRole, variant: Variant, statement: int | None) -> int:
    if statement is not None and statement < len(variant.statement_lines):
        return variant.statement_lines[statement]
    return role.line


def _suppressed(role: TemplateRole, check: str) -> str | None:
    return next((s.reason for s in role.suppressions if s.check == check), None)


def _when(role: TemplateRole, numbers: set[int]) -> str:
    """The branches shared by every variant that has the finding, or each variant's own when none is."""
    choices = [dict(role.variants[n].choices) for n in sorted(numbers)]
    common = {name: value for name, value in choices[0].items() if all(c.get(name) == value for c in choices)}
    shown = [common] if common else choices
    return " or ".join(", ".join(f"{name}={str(value).lower()}" for name, value in c.items()) for c in shown)
