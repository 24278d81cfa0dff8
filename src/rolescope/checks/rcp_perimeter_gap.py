"""Roles open to outside accounts that the organisation's RCP perimeter for STS leaves out."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext
from rolescope.checks.finding import Finding
from rolescope.trust.analysis import TrustAnalysis
from rolescope.wording import listed

CHECK_ID = "rcp-perimeter-gap"


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    return analysis.cross_account


def run(context: RoleContext) -> Iterator[Finding]:
    verdict = context.perimeter
    if verdict is None or not verdict.gaps:
        return
    organization = context.settings.organization
    members = organization.account_ids if organization is not None else frozenset()
    outside = [a for a in context.analysis.outside_accounts if a not in members and a != context.account_id]
    if not outside and not context.analysis.public:
        return  # only members get in: the perimeter would not stop them anyway
    callers = "anyone" if context.analysis.public else listed(outside)
    names = listed(sorted({f"{p.name or p.policy_id} ({p.policy_id})" for p, _ in verdict.gaps}))
    why = verdict.reason or "not attached above its account, or its Resource or resource conditions leave the role out"
    yield context.finding(
        CHECK_ID,
        f"{context.role_label} admits {callers} from outside the organisation, and the RCP perimeter for STS "
        f"({names}) does not cover it: {why}.",
        None,
        outside_accounts=outside,
    )
