"""A cross-account role whose sessions may last longer than an hour."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext
from rolescope.checks.finding import Finding
from rolescope.trust.analysis import TrustAnalysis

CHECK_ID = "long-session-cross-account-role"


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    return analysis.cross_account


def run(context: RoleContext) -> Iterator[Finding]:
    role = context.role
    limit = context.settings.max_session_seconds
    if role is None or role.max_session_duration is None or not context.analysis.cross_account:
        return
    if role.max_session_duration <= limit:
        return
    hours = role.max_session_duration / 3600
    yield context.finding(
        CHECK_ID,
        f"{context.role_label} is assumable from other accounts and allows sessions of {hours:g} h "
        f"(MaxSessionDuration {role.max_session_duration} s, more than {limit} s): stolen session "
        "credentials stay valid that long.",
        None,
        max_session_duration=role.max_session_duration,
        limit=limit,
    )
