"""The options that say how to reach AWS, shared by ``scan``, ``export``, ``whoami``, ``credentials`` and ``fix``.

Flags follow the AWS CLI (``--profile``, ``--region``) and Prowler (``-R``, ``-I``, ``-T``, ``--mfa``).
Each value is validated as it is parsed (one-line error, exit 2); combinations are checked by
:func:`check_combinations` before anything is sent to AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from rolescope.auth.errors import AuthConfigError
from rolescope.auth.validate import (
    DEFAULT_SESSION_NAME,
    DEFAULT_WORKERS,
    MAX_DURATION,
    MAX_WORKERS,
    MIN_DURATION,
    RoleArn,
    read_accounts,
    validate_duration,
    validate_external_id,
    validate_mfa_code,
    validate_mfa_serial,
    validate_role_arn,
    validate_role_name,
    validate_session_name,
)
from rolescope.cli.errors import InputError

T = TypeVar("T")


def _checked(validate: Callable[[Any], T]) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback running ``validate`` on each value; its error becomes a one-line usage error."""
    def callback(_: click.Context, __: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        try:
            if isinstance(value, tuple):
                return tuple(validate(v) for v in value)
            return validate(value)
        except AuthConfigError as error:
            raise click.BadParameter(str(error)) from None
    return callback


def _options(function: Callable[..., Any], options: list[Callable[..., Any]]) -> Callable[..., Any]:
    for option in reversed(options):
        function = option(function)
    return function


def _profile_and_role_options(default_session_name: str) -> list[Callable[..., Any]]:
    """``-p``, ``-I``, ``-T``, ``--role-session-name``, ``--mfa*``, ``--region``: every command that reaches AWS."""
    return [
        click.option("--profile", "-p", help="AWS CLI profile (~/.aws/config): keys, role_arn with source_profile "
                                             "or credential_source, mfa_serial, SSO... Default: the AWS default "
                                             "credential chain (AWS_PROFILE, environment, instance role)."),
        click.option("--external-id", "-I", callback=_checked(validate_external_id), envvar="ROLESCOPE_EXTERNAL_ID",
                     help="ExternalId for the role(s) assumed (or ROLESCOPE_EXTERNAL_ID, which `ps` does not show)."),
        click.option("--session-duration", "-T", "duration", type=int, callback=_checked(validate_duration),
                     metavar="SECONDS",
                     help=f"Role session length, {MIN_DURATION}-{MAX_DURATION} s (AWS caps sessions of roles "
                          "assumed from a role at 3600). Default: 3600."),
        click.option("--role-session-name", "session_name", callback=_checked(validate_session_name),
                     help=f"Role session name, as CloudTrail shows it. Default: {default_session_name}."),
        click.option("--mfa", is_flag=True, help="Ask for the MFA device ARN and code (the code once per run)."),
        click.option("--mfa-serial", callback=_checked(validate_mfa_serial), metavar="ARN",
                     help="MFA device ARN or serial number (asks only for the code)."),
        click.option("--mfa-code", callback=_checked(validate_mfa_code), metavar="CODE", envvar="ROLESCOPE_MFA_CODE",
                     help="The 6-digit MFA code, for scripts (with --mfa-serial or a profile's mfa_serial; "
                          "or ROLESCOPE_MFA_CODE)."),
        click.option("--region", help="Region for STS and IAM calls. Default: the profile's, else the partition's "
                                      "main region."),
    ]


def credential_options(role_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``-p``, ``-R``, ``-I``, ``-T``, ``--role-session-name``, ``--mfa*``, ``--region``; ``role_help`` says what
    the command does with ``-R``'s role."""
    role_arn = click.option("--role-arn", "-R", "role_arns", multiple=True, callback=_checked(validate_role_arn),
                            metavar="ARN", help=role_help)
    profile, *rest = _profile_and_role_options(DEFAULT_SESSION_NAME)
    return lambda function: _options(function, [profile, role_arn, *rest])


def plan_credential_options(default_session_name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The credential options without ``-R``, for commands whose accounts a file names (``fix apply``)."""
    return lambda function: _options(function, _profile_and_role_options(default_session_name))


def checked_role_name(context: click.Context, parameter: click.Parameter, value: str | None) -> Any:
    """``--role-name``'s callback: ``NAME`` or ``path/NAME``, as its IAM path and name."""
    return _checked(validate_role_name)(context, parameter, value)


def account_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--accounts``, ``--role-name``, ``--organization``, ``--workers``, ``--verbose``."""
    options = [
        click.option("--accounts", "target_accounts", callback=_checked(read_accounts), metavar="ID,ID|FILE",
                     help="Scan these accounts (a list, or a file with one id per line) through --role-name."),
        click.option("--role-name", callback=checked_role_name, metavar="NAME",
                     help="The role to assume in each account of --accounts/--organization (NAME or path/NAME)."),
        click.option("--organization", is_flag=True,
                     help="Scan every active account of the caller's organisation (management account included; "
                          "run from the management account or a delegated administrator) through --role-name; "
                          "membership becomes the zone of trust."),
        click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=DEFAULT_WORKERS, show_default=True,
                     help="Accounts collected at once."),
        click.option("--verbose", "-v", is_flag=True, help="Show the API calls made per account."),
    ]
    return _options(function, options)


CREDENTIAL_KEYS = ("profile", "role_arns", "external_id", "duration", "session_name", "mfa", "mfa_serial",
                   "mfa_code", "region")
# ``--accounts`` is ``target_accounts``: ``accounts`` is the report filter ``--account``.
ACCOUNT_KEYS = ("target_accounts", "role_name", "organization", "workers", "verbose")


@dataclass(frozen=True, slots=True)
class AwsOptions:
    """The parsed, individually valid credential and account options."""

    profile: str | None = None
    role_arns: tuple[RoleArn, ...] = ()
    external_id: str | None = None
    duration: int | None = None
    session_name: str | None = None
    mfa: bool = False
    mfa_serial: str | None = None
    mfa_code: str | None = None
    region: str | None = None
    accounts: tuple[str, ...] | None = None
    role_name: tuple[str, str] | None = None
    organization: bool = False
    workers: int = DEFAULT_WORKERS
    verbose: bool = False
    from_environment: frozenset[str] = frozenset()  # set by ROLESCOPE_* variables, not on the command line

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> AwsOptions:
        """From a command's keyword arguments (other keys ignored), noting which came from the environment."""
        keys = [k for k in (*CREDENTIAL_KEYS, *ACCOUNT_KEYS) if k in params]
        values: dict[str, Any] = {k: params[k] for k in keys}
        context = click.get_current_context(silent=True)
        if context is not None:
            values["from_environment"] = frozenset(
                k for k in keys if context.get_parameter_source(k) is ParameterSource.ENVIRONMENT)
        values["role_arns"] = tuple(values.get("role_arns") or ())
        if "target_accounts" in values:
            values["accounts"] = values.pop("target_accounts")
        if values.get("workers") is None:
            values.pop("workers", None)
        return cls(**values)

    @property
    def role_settings_given(self) -> bool:
        return self.external_id is not None or self.duration is not None or self.session_name is not None

    @property
    def reaches_roles(self) -> bool:
        """Whether target roles are named (``-R``, or ``--role-name`` for ``--accounts``/``--organization``)."""
        return bool(self.role_arns) or self.role_name is not None

    @property
    def given(self) -> list[str]:
        """The options given, as flags (to say which conflict with ``--from``)."""
        flags = {"profile": "--profile", "role_arns": "--role-arn", "external_id": "--external-id",
                 "duration": "--session-duration", "session_name": "--role-session-name", "mfa": "--mfa",
                 "mfa_serial": "--mfa-serial", "mfa_code": "--mfa-code", "region": "--region",
                 "accounts": "--accounts", "role_name": "--role-name", "organization": "--organization"}
        return [flag for key, flag in flags.items()
                if getattr(self, key) not in (None, False, ()) and key not in self.from_environment]


def check_combinations(options: AwsOptions, single_role: bool = False) -> None:
    """Reject option combinations that cannot mean anything (before any AWS call).

    Args:
        options: the parsed options.
        single_role: the command works with one role at most (``whoami``, ``credentials``).

    Raises:
        InputError: the one-line reason.
    """
    if single_role and len(options.role_arns) > 1:
        raise InputError("give one -R/--role-arn at most")
    accounts = [arn.account_id for arn in options.role_arns]
    twice = next((a for a in accounts if accounts.count(a) > 1), None)
    if twice is not None:
        raise InputError(f"account {twice} would be scanned twice: give one -R/--role-arn per account")
    if options.role_name is not None and options.accounts is None and not options.organization:
        raise InputError("--role-name names the role to assume in each account of --accounts or --organization")
    if (options.accounts is not None or options.organization) and options.role_name is None:
        raise InputError("--accounts/--organization need --role-name: the role to assume in each account")
