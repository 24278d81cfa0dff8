"""Anyone (any AWS account, or any identity of a public identity provider) can assume the role."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext, shown
from rolescope.checks.finding import Finding
from rolescope.trust.analysis import TrustAnalysis

CHECK_ID = "public-trust"


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    return bool(analysis.public_paths)


def run(context: RoleContext) -> Iterator[Finding]:
    exposures = context.analysis.public_paths
    if not exposures:
        return
    first = exposures[0]
    whom = "any AWS account" if first.principal == "*" else f"any identity of {first.principal}"
    mitigation = []
    path = next((p for p in context.analysis.paths if p.statement == first.statement and p.public), None)
    if path is not None and path.requires:
        mitigation = list(path.requires)
    suffix = (f" It requires only {', '.join(mitigation)}, which does not confine who the caller is."
              if mitigation else "")
    yield context.finding(
        CHECK_ID,
        f"{context.role_label} can be assumed by {whom} through Statement[{first.statement}]: no condition "
        f"confines callers to known accounts, an organisation or specific subjects.{suffix}",
        first.statement,
        public_statements=sorted({e.statement for e in exposures}),
        mitigated_by=mitigation,
        example_caller=shown(first.example.caller.arn) if first.example else None,
    )
