"""Reaching live accounts from the CLI: credentials, targets, collection, and what to tell the user.

Shared by ``scan`` (without ``--from``), ``export``, ``whoami`` and ``credentials``. The work itself
is in :mod:`rolescope.auth` and :mod:`rolescope.inventory`; this module turns options into calls,
and errors into one line and an exit code.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

import click
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConfigParseError,
    InfiniteLoopConfigError,
    InvalidConfigError,
    InvalidRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from rolescope.auth.assume import RoleSettings
from rolescope.auth.broker import SessionBroker
from rolescope.auth.clients import CallCounter
from rolescope.auth.errors import AuthConfigError, AwsError, config_parse_message, describe_error
from rolescope.auth.identity import Identity
from rolescope.auth.mfa import Ask, MfaPrompter, ask_mfa_serial, ask_terminal
from rolescope.auth.session import BaseSession, CliCache
from rolescope.auth.targets import Target, plan_targets
from rolescope.auth.validate import DEFAULT_SESSION_NAME
from rolescope.cli.aws_options import AwsOptions
from rolescope.cli.errors import EXIT_ACCOUNTS, InputError
from rolescope.cli.say import say
from rolescope.inventory.files import merge_organizations
from rolescope.inventory.live import AccountData, AccountFailure, Collection, collect
from rolescope.inventory.model import Organization
from rolescope.inventory.organizations import active_accounts, discover_organization
from rolescope.textsafe import safe_text
from rolescope.wording import count

_CONFIG_ERRORS = (ProfileNotFound, InvalidConfigError, PartialCredentialsError, InfiniteLoopConfigError,
                  InvalidRegionError)


class AwsFailure(click.ClickException):
    """AWS refused or could not be reached before any account was scanned: one line, exit 3."""

    exit_code = EXIT_ACCOUNTS

    def show(self, file: object = None) -> None:
        say(f"rolescope: error: {self.format_message()}", err=True)


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn configuration mistakes into exit 2 and AWS failures into exit 3, each one line."""
    try:
        yield
    except AuthConfigError as error:
        raise InputError(str(error)) from None
    except ConfigParseError as error:  # the file names itself: no error code before it
        raise InputError(config_parse_message(error)) from None
    except _CONFIG_ERRORS as error:
        raise InputError(str(describe_error(error))) from None
    except (AwsError, ClientError, BotoCoreError) as error:
        raise AwsFailure(str(describe_error(error))) from None


def note(stderr: Console, message: str) -> None:
    stderr.print(safe_text(f"rolescope: note: {message}"), markup=False, highlight=False, soft_wrap=True)


def open_broker(options: AwsOptions, stderr: Console, ask: Ask = ask_terminal,
                default_session_name: str = DEFAULT_SESSION_NAME) -> SessionBroker:
    """The caller's session and how target roles are assumed, from the options.

    Raises:
        AuthConfigError: options that contradict the profile (see the messages).
    """
    cache = CliCache()
    prompter = MfaPrompter(ask)
    base = BaseSession(options.profile, options.region, prompter, cache)
    profile_mfa = base.info.mfa_serials
    # ROLESCOPE_EXTERNAL_ID / ROLESCOPE_MFA_CODE are ambient: ignored where they cannot apply.
    if "external_id" in options.from_environment and not options.reaches_roles and base.info.role_arn is None:
        options = replace(options, external_id=None)
    if "mfa_code" in options.from_environment and not (options.mfa or options.mfa_serial or profile_mfa):
        options = replace(options, mfa_code=None)
    if options.mfa_code is not None:
        prompter.give(options.mfa_code)
    if profile_mfa and (options.mfa or options.mfa_serial):
        raise AuthConfigError(f"profile {base.profile!r} already uses MFA (mfa_serial {profile_mfa[0]}), and the "
                              "roles it reaches get its MFA context: drop --mfa/--mfa-serial (--mfa-code gives "
                              "the code)")
    if options.mfa_code is not None and not (options.mfa or options.mfa_serial or profile_mfa):
        raise AuthConfigError("--mfa-code needs --mfa-serial (or --mfa, or a profile with mfa_serial)")
    if options.role_settings_given and not options.reaches_roles:
        if base.info.role_arn is None:
            raise AuthConfigError("-I/--external-id, -T/--session-duration and --role-session-name apply to an "
                                  "assumed role: give -R (or --accounts/--organization with --role-name), or a "
                                  "profile with role_arn")
        for message in base.override_profile_role(options.external_id, options.duration, options.session_name):
            note(stderr, message)
    serial = options.mfa_serial
    if options.mfa and serial is None:
        serial = ask_mfa_serial(ask)
    settings = RoleSettings(options.session_name or default_session_name, options.external_id, options.duration)
    return SessionBroker(base, settings, cache=cache, prompter=prompter, mfa_serial=serial,
                         notify=lambda message: note(stderr, message))


@dataclass(slots=True)
class LiveRun:
    """A collection run: who ran it, the organisation, the accounts reached, and their results."""

    broker: SessionBroker
    identity: Identity
    organization: Organization | None
    targets: list[Target]
    collection: Collection

    @property
    def calls(self) -> dict[str, CallCounter]:
        return {t.account_id: self.broker.counter_for(t) for t in self.targets}


def plan(broker: SessionBroker, options: AwsOptions, extra: Sequence[Organization] = ()
         ) -> tuple[Identity, Organization | None, list[Target]]:
    """The caller, the organisation (``--organization`` and any given listing), and the accounts to reach."""
    identity = broker.identity()
    discovered = None
    accounts: tuple[str, ...] = options.accounts or ()
    names: dict[str, str] = {}
    if options.organization:
        session = broker.base.session_with(broker.source_credentials())
        discovered = discover_organization(session, broker.run_calls)
        active = [a.account_id for a in active_accounts(discovered)]
        names = {a.account_id: a.name for a in discovered.accounts}
        if options.accounts is not None:
            outside = [a for a in options.accounts if a not in active]
            if outside:
                raise AuthConfigError(f"--accounts: {outside[0]} is not an active account of organisation "
                                      f"{discovered.org_id}")
        else:
            accounts = tuple(active)
    organization = merge_organizations([*([discovered] if discovered else []), *extra])
    targets = plan_targets(identity, options.role_arns, accounts, options.role_name, names)
    return identity, organization, targets


def reach(options: AwsOptions, stderr: Console, extra_organizations: Sequence[Organization] = (),
          ask: Ask = ask_terminal) -> tuple[SessionBroker, Identity, Organization | None, list[Target]]:
    """The session broker, the caller, the organisation and the accounts to reach, ready to be reached.

    Raises:
        InputError: bad options or configuration (exit 2).
        AwsFailure: no account could be reached at all: no credentials, the organisation could not be
            listed... (exit 3).
    """
    with one_line_errors():
        broker = open_broker(options, stderr, ask)
        identity, organization, targets = plan(broker, options, extra_organizations)
        broker.prepare(targets)
    return broker, identity, organization, targets


def run_live(options: AwsOptions, stderr: Console, extra_organizations: Sequence[Organization] = (),
             ask: Ask = ask_terminal) -> LiveRun:
    """Reach every account the options name and collect it; print each failure on stderr.

    Raises:
        InputError: bad options or configuration (exit 2).
        AwsFailure: no account could be reached at all (exit 3).
    """
    broker, identity, organization, targets = reach(options, stderr, extra_organizations, ask)
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=stderr, transient=True, disable=not stderr.is_terminal) as progress:
        task = progress.add_task("collecting accounts", total=len(targets))

        def advance(_: AccountData | AccountFailure) -> None:
            progress.advance(task)

        collection = collect(targets, broker.session_for, workers=options.workers, progress=advance)
    report_collection(collection.failures, collection.accounts, stderr)
    run = LiveRun(broker, identity, organization, targets, collection)
    if options.verbose:
        print_calls(broker, targets, stderr)
    return run


def report_collection(failures: Sequence[AccountFailure], accounts: Sequence[AccountData], stderr: Console) -> None:
    """Each account that could not be collected, and what the others' collection noted, on stderr."""
    for failure in failures:
        stderr.print(safe_text(f"rolescope: error: account {failure.account_id} ({failure.target.source}): "
                               f"{failure.error}"),
                     markup=False, highlight=False, soft_wrap=True)
    for account in accounts:
        for message in account.notes:
            note(stderr, f"account {account.target.account_id}: {message}")


def print_calls(broker: SessionBroker, targets: Sequence[Target], stderr: Console) -> None:
    """``--verbose``: the API calls made per account (and for the run), retries apart."""
    def line(label: str, counter: CallCounter) -> str:
        detail = ", ".join(f"{name} {count}" for name, count in sorted(counter.operations.items()))
        retries = f", {counter.retries} retried" if counter.retries else ""
        return safe_text(f"rolescope: api calls: {label}: {count(counter.calls, 'call')}{retries} ({detail or 'none'})")

    for target in targets:
        stderr.print(line(target.account_id, broker.counter_for(target)), markup=False, highlight=False,
                     soft_wrap=True)
    stderr.print(line("run (identity, organisation, MFA)", broker.run_calls), markup=False, highlight=False,
                 soft_wrap=True)
