"""A cross-account role nobody has used for a long time: standing access without a reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from rolescope.caches import memoized
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
    settings = context.settings
    days = settings.unused_days
    cutoff = _cutoff(settings.now, days)
    last_used, created = role.last_used, role.create_date
    if last_used is not None:
        if last_used >= cutoff:
            return
        used = last_used.isoformat()
        idle = (settings.now - last_used).days
        # the ISO date is the ISO timestamp's first ten characters (the year always has four digits)
        why = f"has not been used for {count(idle, 'day')} (last used {used[:10]})"
    elif created is not None and created < cutoff:
        used = None
        why = f"has never been used since it was created on {created.date().isoformat()}"
    else:
        return  # new, or no usage data: nothing to say yet
    yield context.finding(
        CHECK_ID,
        f"{context.role_label} is assumable from other accounts and {why}; the limit is {count(days, 'day')}: "
        "remove it or its outside trust.",
        None,
        last_used=used,
        created=created.isoformat() if created else None,
        unused_days=days,
    )


@memoized(16)  # one clock and one limit a run: a timedelta and a subtraction for every cross-account role otherwise
def _cutoff(now: datetime, days: int) -> datetime:
    """Roles last used before this moment are unused."""
    return now - timedelta(days=days)
