"""The corrected policies a report shows: ``rolescope fix plan`` with its defaults, as report data.

Every corrected policy the planner returns has been re-analysed: it closes its findings, raises none,
and admits no caller the original did not. A report must not depend on the planner accepting the
document, so a refusal (:class:`~rolescope.remediate.errors.RemediationError`) becomes a note on the
page; any other exception is a bug and is raised.
"""

from __future__ import annotations

from collections.abc import Callable

from rolescope.remediate.errors import RemediationError
from rolescope.remediate.fixers import FixOptions
from rolescope.remediate.plan import Plan, RoleChange, Selection, build_plan, change_cli, change_terraform
from rolescope.remediate.render import policy_text, unified_diff
from rolescope.report.fixes import CorrectedPolicy, Fixes
from rolescope.report.model import ScanDocument

Planner = Callable[[ScanDocument], Plan]


def plan_with_defaults(document: ScanDocument) -> Plan:
    """Every role's corrected policy, as ``rolescope fix plan`` makes it without options."""
    return build_plan(document, Selection(), FixOptions())


def corrected_policy(change: RoleChange) -> CorrectedPolicy:
    """A planned change as a report shows it: its steps, the diff, the policy, how to apply it."""
    return CorrectedPolicy(
        checks=change.checks,
        steps=tuple(step["description"] for step in change.fixes),
        warnings=change.warnings,
        notify=change.notify,
        external_id=change.external_id,
        diff=tuple(unified_diff(change.before, change.after, change.role_name).splitlines()),
        policy=policy_text(change.after),
        cli=change_cli(change),
        terraform=change_terraform(change),
    )


def fixes_of(plan: Plan) -> Fixes:
    """A plan's corrected policies by the findings they close, and why the others have none."""
    by_finding: dict[str, CorrectedPolicy] = {}
    for change in plan.changes:
        view = corrected_policy(change)
        for finding_id in change.findings:
            by_finding[finding_id] = view
    return Fixes(by_finding, {(n.role_arn, n.check): n.reason for n in plan.not_fixed})


def fixes_for_report(document: ScanDocument, planner: Planner = plan_with_defaults) -> Fixes:
    """The corrected policies of ``document``'s findings, for the HTML report.

    Args:
        document: the finished scan document.
        planner: makes the plan (injected for tests).

    Returns:
        The fixes; when the planner refuses the document, none, and the reason as ``error``.
    """
    try:
        plan = planner(document)
    except RemediationError as error:  # the page says why; the rest of the report stands
        return Fixes(error=f"{type(error).__name__}: {error}")
    return fixes_of(plan)
