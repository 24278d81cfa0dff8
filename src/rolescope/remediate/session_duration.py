"""The one role setting ``fix`` changes: ``MaxSessionDuration``, for ``long-session-cross-account-role``.

It is an attribute of the role, not part of its trust policy: ``iam:UpdateRole --max-session-duration``
sets it, ``iam:GetRole`` shows it. A plan only ever lowers it, to the check's ``max_session_seconds``
(never below IAM's minimum of one hour); apply backs the original up and rollback restores it, beside
the trust policy of the same role.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from rolescope.remediate.errors import PlanError, Unfixable

CHECK = "long-session-cross-account-role"
IAM_MINIMUM, IAM_MAXIMUM = 3600, 43200  # seconds: what iam:UpdateRole accepts


@dataclass(frozen=True, slots=True)
class SessionChange:
    """``MaxSessionDuration`` before and after, in seconds (``after`` is lower)."""

    before: int
    after: int

    def as_json(self) -> dict[str, int]:
        return {"before": self.before, "after": self.after}

    @property
    def description(self) -> str:
        return (f"lowers MaxSessionDuration from {self.before} s to {self.after} s "
                "(a role setting: iam:UpdateRole, not the trust policy)")

    def cli(self, role_name: str) -> str:
        """The AWS CLI command that applies it, quoted for a POSIX shell."""
        return f"aws iam update-role --role-name {shlex.quote(role_name)} --max-session-duration {self.after}"

    def terraform(self) -> str:
        return f"max_session_duration = {self.after}\n"


def plan_session(current: int | None, limit: int) -> SessionChange:
    """The change that brings a role's ``MaxSessionDuration`` down to ``limit``.

    Args:
        current: the role's ``MaxSessionDuration`` as the scan recorded it.
        limit: the check's ``max_session_seconds``.

    Raises:
        Unfixable: the scan does not record it, or it is no longer above ``limit``.
    """
    if current is None:
        raise Unfixable("the scan does not record the role's MaxSessionDuration (scan a GAAD export or a live "
                        "account)")
    target = max(limit, IAM_MINIMUM)
    if current <= target:
        raise Unfixable(f"MaxSessionDuration {current} s is not above {target} s")
    return SessionChange(current, target)


def load_session(value: Any, where: str) -> SessionChange | None:
    """Read a plan's ``max_session_duration`` back (``None``: the change leaves it alone).

    Raises:
        PlanError: not two whole numbers of seconds within IAM's range, or not a lowering (a plan
            never lengthens sessions).
    """
    if value is None:
        return None
    numbers = [value.get(k) for k in ("before", "after")] if isinstance(value, dict) else []
    seconds = [n for n in numbers if type(n) is int and IAM_MINIMUM <= n <= IAM_MAXIMUM]
    if len(seconds) != 2:
        raise PlanError(f"{where}: max_session_duration needs before and after, whole seconds from "
                        f"{IAM_MINIMUM} to {IAM_MAXIMUM}")
    before, after = seconds
    if after >= before:
        raise PlanError(f"{where}: max_session_duration goes from {before} s to {after} s; a plan only lowers it")
    return SessionChange(before, after)
