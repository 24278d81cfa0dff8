"""What the data perimeter did to one role's outside access: the verdict findings and reports carry."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rolescope.policy.evaluate import statement_covers
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.perimeter import AppliedStatement, RolePerimeter, perimeter_origin
from rolescope.trust.witness import Scope


class PerimeterStatus(StrEnum):
    NONE = "none"  # the organisation has no RCPs (or is unknown)
    EXEMPT = "exempt"  # RCPs do not apply to this role (management account, service-linked)
    NOT_COVERED = "not-covered"  # RCPs exist, none of their Denies covers this role
    ENFORCED = "enforced"  # Denies cover the role; its trust admitted nobody outside anyway
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

    def evidence(self) -> dict[str, Any]:
        facts: dict[str, Any] = {"status": self.status.value, "considered": list(self.considered)}
        if self.reason:
            facts["reason"] = self.reason
        if self.closing:
            facts["closed_by"] = [a.evidence() for a in self.closing]
        if self.exceptions:
            facts["exceptions"] = [a.evidence() for a in self.exceptions]
        return facts


def perimeter_verdict(perimeter: RolePerimeter, trust_alone: TrustAnalysis | None, effective: TrustAnalysis,
                      has_rcps: bool) -> PerimeterVerdict:
    """Compare the role's trust alone with its trust under the perimeter.

    Args:
        perimeter: the RCP statements that bear on the role.
        trust_alone: the analysis of the trust policy without them (``None``: they do not apply).
        effective: the analysis of the trust policy with them.
        has_rcps: whether the organisation has any RCP at all.
    """
    considered = perimeter.considered
    if perimeter.exemption:
        return PerimeterVerdict(PerimeterStatus.EXEMPT, considered, perimeter.exemption)
    if not perimeter.denies or trust_alone is None:
        return PerimeterVerdict(PerimeterStatus.NOT_COVERED if has_rcps else PerimeterStatus.NONE, considered)
    escaped = _escaped(perimeter, effective)
    if not trust_alone.cross_account:
        return PerimeterVerdict(PerimeterStatus.ENFORCED, considered)
    if not effective.cross_account:
        return PerimeterVerdict(PerimeterStatus.CLOSES, considered, closing=perimeter.denies)
    if escaped:
        return PerimeterVerdict(PerimeterStatus.EXCEPTION, considered, exceptions=escaped)
    return PerimeterVerdict(PerimeterStatus.NARROWS, considered, closing=perimeter.denies)


def _escaped(perimeter: RolePerimeter, effective: TrustAnalysis) -> tuple[AppliedStatement, ...]:
    """The RCP statements that cover an open cross-account path's caller but whose conditions it escapes."""
    found: dict[tuple[str, int], AppliedStatement] = {}
    for path in effective.paths:
        if path.scope is not Scope.CROSS_ACCOUNT or path.example is None:
            continue
        for statement in effective.policy.statements:
            origin = perimeter_origin(statement.sid, perimeter)
            if origin is not None and statement_covers(statement, path.example.caller, path.example.action):
                found[(origin.policy.policy_id, origin.statement.index)] = origin
    return tuple(found.values())
