"""A cross-account role nobody has used for a long time: standing access without a reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from rolescope.checks.context import RoleContext
from rolescope.checks.finding import Finding
from rolescope.trust.analysis import TrustAnalysis
from rolescope.wording import count

CHECK_ID = "unused-cross-account-role"


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    return analysis.cross_account


def run(context: RoleContext) -> Iterator[Finding]:
    role = context.role
    if role is None or not context.analysis.cross_account:
        return
    days = context.settings.unused_days
    cutoff = context.settings.now - timedelta(days=days)
    if role.last_used is not None:
        if role.last_used >= cutoff:
            return
        idle = (context.settings.now - role.last_used).days
        why = f"has not been used for {count(idle, 'day')} (last used {role.last_used.date().isoformat()})"
    elif role.create_date is not None and role.create_date < cutoff:
        why = f"has never been used since it was created on {role.create_date.date().isoformat()}"
    else:
        return  # new, or no usage data: nothing to say yet
    yield context.finding(
        CHECK_ID,
        f"{context.role_label} is assumable from other accounts and {why}; the limit is {count(days, 'day')}: "
        "remove it or its outside trust.",
        None,
        last_used=role.last_used.isoformat() if role.last_used else None,
        created=role.create_date.isoformat() if role.create_date else None,
        unused_days=days,
    )
