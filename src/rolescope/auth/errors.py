"""Why reaching AWS failed: one line, with the AWS error code when AWS gave one."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound


class AuthConfigError(ValueError):
    """The way in was described wrongly (bad ARN, unknown profile, conflicting options)."""


class AwsError(Exception):
    """AWS, or reaching it, failed: carries the AWS error code and message."""

    def __init__(self, code: str, message: str, operation: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.operation = operation


class MfaError(AwsError):
    """No usable MFA code, or an MFA-backed session that would need a new one."""

    def __init__(self, message: str) -> None:
        super().__init__("MfaRequired", message)


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """An error as people read it: ``AccessDenied: User ... is not authorized ... (AssumeRole)``."""

    code: str
    message: str
    operation: str | None = None

    def __str__(self) -> str:
        where = f" ({self.operation})" if self.operation else ""
        return f"{self.code}: {self.message}{where}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def describe_error(error: BaseException) -> ErrorReport:
    """The AWS error code, message and operation of ``error``, for any failure while talking to AWS.

    Args:
        error: a botocore ``ClientError`` (the code and message AWS returned), another botocore
            error (no credentials, endpoint unreachable, bad profile...), one of ours, or anything
            else (reported by its type, never re-raised).

    Returns:
        A one-line report.
    """
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code") or "ClientError")
        message = str(details.get("Message") or error)
        return ErrorReport(code, _one_line(message), error.operation_name)
    if isinstance(error, AwsError):
        return ErrorReport(error.code, _one_line(error.message), error.operation)
    if isinstance(error, ProfileNotFound):
        return ErrorReport("ProfileNotFound", _one_line(str(error)))
    if isinstance(error, BotoCoreError):
        return ErrorReport(type(error).__name__, _one_line(str(error)))
    return ErrorReport(type(error).__name__, _one_line(str(error)) or "no detail")
