"""What the data perimeter did to one role's outside access: the verdict findings and reports carry."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rolescope.inventory.model import Organization, OrgPolicy
from rolescope.policy.conditions import condition_holds
from rolescope.policy.control import ControlStatement
from rolescope.policy.evaluate import statement_covers
from rolescope.policy.model import Condition, Statement
from rolescope.trust.analysis import TrustAnalysis, TrustPath
from rolescope.trust.perimeter import AppliedStatement, RolePerimeter, left_out, perimeter_origin
from rolescope.trust.witness import Scope


class PerimeterStatus(StrEnum):
    EXEMPT = "exempt"  # RCPs do not apply to this role (management account, service-linked)
    NOT_COVERED = "not-covered"  # RCPs exist, none of their Denies covers this role
    ENFORCED = "enforced"  # Denies cover the role; they stop nobody its trust admits (e.g. only members)
    CLOSES = "closes"  # the trust admits outsiders, the RCPs stop every one of them
    NARROWS = "narrows"  # the RCPs stop some outside ways in, others remain
    EXCEPTION = "open-by-exception"  # outsiders get in only because an RCP statement's condition lets them


@dataclass(frozen=True, slots=True)
class PerimeterVerdict:
    """The perimeter's verdict for one role, with the RCP statements behind it."""

    status: PerimeterStatus
    considered: tuple[str, ...] = ()
    reason: str | None = None
    closing: tuple[AppliedStatement, ...] = ()  # the statements that stop outside requests
    exceptions: tuple[AppliedStatement, ...] = ()  # the statements whose conditions let outsiders through
    # the organisation's perimeter statements (RCP Denies on sts:AssumeRole*) that do not cover the role
    gaps: tuple[tuple[OrgPolicy, ControlStatement], ...] = ()

    def evidence(self) -> dict[str, Any]:
        facts: dict[str, Any] = {"status": self.status.value, "considered": list(self.considered)}
        if self.reason:
            facts["reason"] = self.reason
        if self.closing:
            facts["closed_by"] = [a.evidence() for a in self.closing]
        if self.exceptions:
            facts["exceptions"] = [a.evidence() for a in self.exceptions]
        if self.gaps:
            facts["not_covered_by"] = [{"policy_id": p.policy_id, "policy_name": p.name, "targets": list(p.targets),
                                        "statement": s.label} for p, s in self.gaps]
        return facts


def perimeter_verdict(perimeter: RolePerimeter, trust_alone: TrustAnalysis, effective: TrustAnalysis,
                      organization: Organization, service_linked: bool = False) -> PerimeterVerdict:
    """Compare the role's trust alone with its trust under the perimeter.

    Args:
        perimeter: the RCP statements that bear on the role.
        trust_alone: the analysis of the trust policy without them.
        effective: the analysis of the trust policy with them (``trust_alone`` when none applies).
        organization: the organisation, its RCPs included.
        service_linked: the role is service-linked (AWS owns it: no gap to report).
    """
    considered = perimeter.considered
    gaps = () if service_linked else tuple(left_out(organization, perimeter))
    if perimeter.exemption:
        return PerimeterVerdict(PerimeterStatus.EXEMPT, considered, perimeter.exemption, gaps=gaps)
    if not perimeter.denies:
        return PerimeterVerdict(PerimeterStatus.NOT_COVERED, considered, gaps=gaps)
    if trust_alone.cross_account and not effective.cross_account:
        return PerimeterVerdict(PerimeterStatus.CLOSES, considered, closing=perimeter.denies, gaps=gaps)
    escaped = _escaped(perimeter, effective)
    if escaped:
        return PerimeterVerdict(PerimeterStatus.EXCEPTION, considered, exceptions=escaped, gaps=gaps)
    if _ways_in(trust_alone) == _ways_in(effective):
        return PerimeterVerdict(PerimeterStatus.ENFORCED, considered, gaps=gaps)  # it covers the role, stops nobody
    return PerimeterVerdict(PerimeterStatus.NARROWS, considered, closing=perimeter.denies, gaps=gaps)


# Keys whose negated test a caller escapes by being of the organisation or a service: no exception.
_NOT_EXCEPTIONS = frozenset({"aws:principalorgid", "aws:principalorgpaths", "aws:principalisawsservice"})


def _excepts(condition: Condition, context: Mapping[str, tuple[str, ...]]) -> bool:
    """Whether the request escapes the Deny through this condition because it names the caller (a negated
    test on its account, ARN... that fails: the caller is on the statement's list of exceptions)."""
    return condition.negated and condition.key not in _NOT_EXCEPTIONS and not condition_holds(condition, context)


def _ways_in(analysis: TrustAnalysis) -> tuple[object, ...]:
    return (analysis.public, analysis.outside_accounts, {(p.statement, p.scope) for p in analysis.paths})


def path_exception(analysis: TrustAnalysis, path: TrustPath) -> str | None:
    """The RCP statement (its appended Deny's Sid, ``rcp:<policy id>:<index>``) whose exception the path's
    example request gets in by, when an outsider's does (the graph marks such edges)."""
    return next((s.sid for s in _excepting(analysis, path)), None)


def _excepting(analysis: TrustAnalysis, path: TrustPath) -> Iterator[Statement]:
    """The appended RCP Denies that cover an outside path's example caller and that it escapes by an
    exception; none when the caller is of the organisation (a member getting in is the perimeter working)."""
    example = path.example
    if path.scope is not Scope.CROSS_ACCOUNT or example is None:
        return
    if analysis.zone.org_id is not None and example.context.get("aws:principalorgid") == (analysis.zone.org_id,):
        return
    for statement in analysis.policy.statements:
        if (statement.sid or "").startswith("rcp:") and statement_covers(statement, example.caller, example.action) \
                and any(_excepts(c, example.context) for c in statement.conditions):
            yield statement


def _escaped(perimeter: RolePerimeter, effective: TrustAnalysis) -> tuple[AppliedStatement, ...]:
    """The RCP statements whose exceptions let an outside caller in (see :func:`_excepting`)."""
    found: dict[tuple[str, int], AppliedStatement] = {}
    for path in effective.paths:
        for statement in _excepting(effective, path):
            origin = perimeter_origin(statement.sid, perimeter)
            if origin is not None:
                found[(origin.policy.policy_id, origin.statement.index)] = origin
    return tuple(found.values())
