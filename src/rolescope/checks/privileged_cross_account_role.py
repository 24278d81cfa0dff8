"""A cross-account role with administrative power: whoever gets in owns the account."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext
from rolescope.checks.finding import Finding, SeverityOverride
from rolescope.checks.permissions import privileged_grants
from rolescope.trust.analysis import TrustAnalysis

CHECK_ID = "privileged-cross-account-role"
# An outsider must also hold the MFA device or the ExternalId, so the exposure is one step smaller.
GUARDED = SeverityOverride("medium", "lowered: every outside request must carry MFA or an ExternalId")


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    return analysis.cross_account


def run(context: RoleContext) -> Iterator[Finding]:
    analysis = context.analysis
    if context.role is None or not analysis.cross_account:
        return
    grants = privileged_grants(context.role, context.snapshot)
    if not grants:
        return
    guarded = bool(analysis.mfa_or_external_id_required)
    guard = ("every outside request must carry MFA or an ExternalId" if guarded
             else "outside callers need neither MFA nor an ExternalId")
    yield context.finding(
        CHECK_ID,
        f"{context.role_label} (account {context.account_id}) can be assumed from "
        f"{', '.join(analysis.outside_accounts) or 'other accounts'} and grants {'; '.join(grants)}; {guard}.",
        None,
        override=GUARDED if guarded else None,
        grants=grants,
        guarded=guarded,
        outside_accounts=list(analysis.outside_accounts),
    )
