"""The errors remediation raises: each one a sentence a person can act on."""

from __future__ import annotations


class RemediationError(Exception):
    """Base class: something prevented a plan, an apply or a rollback."""


class Unfixable(RemediationError):
    """A finding rolescope will not correct automatically; the message says why and what to do."""


class PlanError(RemediationError):
    """A scan document or plan file that cannot be used."""


class JournalError(RemediationError):
    """A backup/journal file that cannot be used (unreadable, another plan's, locked)."""


class DriftError(RemediationError):
    """Roles whose current trust policy is neither the plan's ``before`` nor its ``after``.

    Attributes:
        roles: ``(role ARN, why)`` for every drifted role.
    """

    def __init__(self, message: str, roles: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.roles = roles


class AwsError(RemediationError):
    """An IAM or STS call failed; ``code`` is the AWS error code when there is one."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class VerifyError(RemediationError):
    """IAM did not hold the document rolescope wrote when it was read back."""
