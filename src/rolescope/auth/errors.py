"""Why reaching AWS failed: one line, with the AWS error code when AWS gave one."""

from __future__ import annotations

import configparser
import json
from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConfigParseError,
    CredentialRetrievalError,
    ProfileNotFound,
)

from rolescope.auth.botocore_adapter import retrieval_failure


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
    if isinstance(error, ConfigParseError):
        return ErrorReport("ConfigParseError", config_parse_message(error))
    if isinstance(error, BotoCoreError):
        return ErrorReport(type(error).__name__, _one_line(str(error)))
    return ErrorReport(type(error).__name__, _one_line(str(error)) or "no detail")


def config_parse_message(error: ConfigParseError) -> str:
    """``PATH: not an AWS config file botocore can read (line 3: ...)``: the file (the config or the
    credentials file), and where it breaks
    when the parser said (botocore keeps the parser's error but prints only the path)."""
    cause = error.kwargs.get("error")
    if isinstance(cause, UnicodeDecodeError):
        where = "not UTF-8 text"
    elif isinstance(cause, configparser.MissingSectionHeaderError):  # a ParsingError without .errors
        where = f"line {cause.lineno}: {cause.line!r} is no [section] header, and none came before it"
    elif isinstance(cause, configparser.ParsingError) and cause.errors:  # the line comes repr()'d
        where = f"line {cause.errors[0][0]}: {cause.errors[0][1]} is neither a [section] nor NAME = VALUE"
    elif isinstance(cause, configparser.Error | ValueError):
        where = _one_line(str(cause))
    else:
        where = "botocore could not parse it"
    return _one_line(f"{error.kwargs.get('path')}: not an AWS config file botocore can read ({where}): fix it")


def credential_failure(profile: str, process_profile: str | None, error: Exception) -> Exception | None:
    """``error``, raised while ``profile``'s credentials were resolved, as one line naming the profile.

    Args:
        profile: the profile in use.
        process_profile: the profile of its chain whose ``credential_process`` gives the credentials.
        error: what botocore raised. It lets some failures of a ``credential_process`` through as they
            are: output that is not JSON (``JSONDecodeError``), JSON that is not an object or has a bad
            ``Expiration`` (``AttributeError``, ``ValueError``), a command that cannot be run (``OSError``).

    Returns:
        An :class:`AwsError` when the credential source failed (``CredentialRetrievalError``), an
        :class:`AuthConfigError` when the ``credential_process`` is broken, ``None`` for anything else.
    """
    if isinstance(error, CredentialRetrievalError):
        provider, detail = retrieval_failure(error)
        source = "credential_process" if provider == "custom-process" else f"the {provider} credential provider"
        said = _one_line(detail) or "no message (nothing on its standard error)"
        return AwsError("CredentialRetrievalError", f"profile {profile!r}: {source} failed: {said}")
    if process_profile is None or isinstance(error, AuthConfigError | AwsError):
        return None
    whose = "its" if process_profile == profile else "the"
    if isinstance(error, json.JSONDecodeError):
        cause = f"printed something that is not JSON ({error})"
    elif isinstance(error, ValueError | AttributeError | TypeError | KeyError):
        cause = f"printed credentials botocore cannot read ({type(error).__name__}: {error})"
    elif isinstance(error, OSError):
        cause = f"could not be run ({error})"
    else:
        return None
    of = "" if process_profile == profile else f" of profile {process_profile!r}"
    return AuthConfigError(_one_line(f"profile {profile!r}: {whose} credential_process{of} {cause}"))
