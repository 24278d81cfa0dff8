"""A service principal trusted without aws:SourceAccount/SourceArn/SourceOrgID: the confused deputy."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext
from rolescope.checks.finding import Finding
from rolescope.policy.model import Statement
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.witness import SOURCE_KEYS

CHECK_ID = "service-trust-without-source-condition"


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    return bool(analysis.service_without_source)


def run(context: RoleContext) -> Iterator[Finding]:
    if context.role is not None and context.role.service_linked:
        return  # AWS owns service-linked roles' trust policies; nobody can add the condition
    for exposure in context.analysis.service_without_source:
        if exposure.principal.lower() in context.settings.exempt_services:
            continue
        named = _source_keys_named(context.analysis.policy.statements[exposure.statement])
        missing = (f"with a condition on {' and '.join(named)} that another customer's resource can meet (a "
                   "wildcard account, an IfExists operator or an ARN without an account field binds nothing)"
                   if named else "without aws:SourceAccount, aws:SourceArn or aws:SourceOrgID")
        yield context.finding(
            CHECK_ID,
            f"{context.role_label} trusts {exposure.principal} in Statement[{exposure.statement}] {missing}: the "
            "service could be made to use this role on behalf of another customer's resource (confused deputy).",
            exposure.statement,
            service=exposure.principal,
        )


def _source_keys_named(statement: Statement) -> list[str]:
    """The source keys the statement's conditions test, as written."""
    return sorted({c.key_as_written for c in statement.conditions if c.key in SOURCE_KEYS})
