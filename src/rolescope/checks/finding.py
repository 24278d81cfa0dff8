"""What a check emits: a finding about one role, or an error record when the check itself failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem with one role.

    Attributes:
        check: the catalogue id.
        severity: the catalogue severity, or a stronger/weaker one the check chose with a reason.
        account_id: the role's account.
        resource: the role's ARN (or ``policy`` when a lone policy was checked).
        message: one sentence a person understands.
        statement: the statement that causes it, when one does.
        evidence: JSON-ready facts: statement, principals, paths and what each requires, example.
    """

    check: str
    severity: str
    account_id: str
    resource: str
    message: str
    statement: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    suppressed: str | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class CheckError:
    """A check that raised on a role: reported, never a crashed scan."""

    check: str
    account_id: str
    resource: str
    error: str
