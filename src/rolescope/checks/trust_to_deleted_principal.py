"""A trusted principal shown as a unique id: it was deleted, and the statement is dead weight."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext
from rolescope.checks.finding import Finding
from rolescope.policy.model import PrincipalKind
from rolescope.trust.analysis import TrustAnalysis

CHECK_ID = "trust-to-deleted-principal"
_UNIQUE_ID = PrincipalKind.UNIQUE_ID  # an enum member read through its class costs a descriptor call each time


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    for statement in analysis.policy.statements:  # loops, not any(): asked once per analysis of every role
        for principal in statement.principals or ():
            if principal.kind is _UNIQUE_ID:
                return True
    return False


def run(context: RoleContext) -> Iterator[Finding]:
    for statement in context.analysis.policy.statements:
        deleted = sorted(p.value for p in statement.principals or () if p.kind is PrincipalKind.UNIQUE_ID)
        if deleted:
            yield context.finding(
                CHECK_ID,
                f"{context.role_label} trusts {', '.join(deleted)} in {statement.label}: IAM shows a unique id "
                "when the trusted principal was deleted. A new principal with the same name will not match; "
                "remove the stale entry.",
                statement.index,
                deleted_principals=deleted,
            )
