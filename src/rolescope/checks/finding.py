"""What a check emits: a finding about one role, or an error record when the check itself failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rolescope.records import pickled_by_fields, quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class SeverityOverride:
    """A severity other than the catalogue's, asked for with a reason: by a check for one finding
    (e.g. lowered because every outside request must carry MFA), or by the configuration for a check.

    Attributes:
        severity: the severity wanted.
        reason: why, for people: every report shows it beside the severity.
    """

    severity: str
    reason: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class OverriddenSeverity:
    """What a finding's severity replaced: the catalogue's severity for its check, and why.

    Attributes:
        default: the catalogue's severity.
        reason: why this finding's severity differs.
    """

    default: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"default": self.default, "reason": self.reason}


@quick_init  # made for most roles of a scan, some more than once
@dataclass(frozen=True, slots=True)
class Finding:
    """One problem with one role.

    Attributes:
        check: the catalogue id.
        severity: the catalogue severity, or the one an override chose (see ``overridden``).
        account_id: the role's account.
        resource: the role's ARN (or ``policy`` when a lone policy was checked).
        message: one sentence a person understands.
        statement: the statement that causes it, when one does.
        evidence: JSON-ready facts: statement, principals, paths and what each requires, example.
        suppressed: the reason, when an accepted risk covers it.
        overridden: the catalogue severity and the reason, when ``severity`` is not the catalogue's.
    """

    check: str
    severity: str
    account_id: str
    resource: str
    message: str
    statement: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    suppressed: str | None = field(default=None, compare=False, hash=False)
    overridden: OverriddenSeverity | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class CheckError:
    """A check that raised on a role: reported, never a crashed scan."""

    check: str
    account_id: str
    resource: str
    error: str
