"""Trusted accounts outside the organisation and not in the user's trusted list; vendors named."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext
from rolescope.checks.finding import Finding
from rolescope.trust.analysis import TrustAnalysis

CHECK_ID = "trust-to-account-outside-organization"


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    return bool(analysis.outside_accounts)


def run(context: RoleContext) -> Iterator[Finding]:
    settings = context.settings
    members = settings.organization.account_ids if settings.organization is not None else frozenset()
    outside = [a for a in context.analysis.outside_accounts
               if a != context.account_id and a not in settings.trusted_accounts and a not in members]
    if not outside:
        return
    vendors = {a: settings.vendors.name_of(a) for a in outside}
    described = ", ".join([f"{a} ({vendors[a]})" if vendors[a] else f"{a} (unknown)" for a in outside])
    where = "the organisation" if settings.organization is not None else "the account"
    yield context.finding(
        CHECK_ID,
        f"{context.role_label} trusts {described}, outside {where} and not in the trusted accounts list.",
        None,
        outside_accounts=outside,
        vendors={a: v for a, v in vendors.items() if v},
        unknown_accounts=[a for a in outside if not vendors[a]],
    )
