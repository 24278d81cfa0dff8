"""``rolescope profiles``: AWS CLI profiles for the roles a principal may assume, merged into ~/.aws/config.

By default the change is shown as a unified diff and nothing is written; ``--write`` writes the file
atomically after keeping a 0600 copy of the original; ``--verify`` then assumes each profile through
botocore. The roles come from the organisation or a list of accounts (``--role-name``), or from a
scan document (``--from-scan`` with ``--principal``).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from botocore.exceptions import ConfigParseError
from click.core import ParameterSource
from rich.console import Console

from rolescope.atomic_write import write_atomic
from rolescope.auth.config_editor import Merged, Outcome, merge_profiles, split_lines
from rolescope.auth.errors import AuthConfigError, MfaError, config_parse_message
from rolescope.auth.mfa import Ask, MfaPrompter, ask_terminal
from rolescope.auth.profile_plan import (
    CREDENTIAL_SOURCES,
    MAX_DURATION_KEYWORD,
    MissingExternalIds,
    PlannedProfile,
    ProfileOptions,
    RoleTarget,
    Source,
    missing_external_ids,
    plan_profiles,
    source_profile,
    validate_prefix,
    validate_profile_name,
    validate_region,
)
from rolescope.auth.profile_verify import verify_profiles
from rolescope.auth.session import CliCache, shared_config_profiles
from rolescope.auth.validate import (
    read_accounts,
    validate_duration,
    validate_external_id,
    validate_mfa_code,
    validate_mfa_serial,
    validate_session_name,
)
from rolescope.cli.aws_options import AwsOptions, checked, checked_role_name
from rolescope.cli.errors import EXIT_FINDINGS, InputError
from rolescope.cli.live import note, one_line_errors, reach
from rolescope.cli.say import say, say_block
from rolescope.policy.arn import parse_arn
from rolescope.profile_sources import read_live_roles, roles_from_scan
from rolescope.report.reader import DocumentError, read_document
from rolescope.trust.access import UnknownNode
from rolescope.trust.graph_read import GraphSectionError
from rolescope.userfiles import UnreadableFile, read_user_bytes


def parse_external_ids(values: Sequence[str]) -> dict[str, str]:
    """``--external-id ROLE=VALUE`` (ROLE: a role ARN or name), each value checked as AWS would."""
    given: dict[str, str] = {}
    for value in values:
        role, equals, external_id = value.partition("=")
        if not equals or not role.strip():
            raise AuthConfigError(f"--external-id {value!r}: expected ROLE=VALUE (ROLE: the role's ARN or name)")
        given[role.strip()] = validate_external_id(external_id)
    return given


def parse_duration(value: str) -> int:
    """``--duration``: seconds, or ``max`` for the role's MaxSessionDuration (``-1``)."""
    if value == MAX_DURATION_KEYWORD:
        return -1
    if not value.isdigit():
        raise AuthConfigError(f"--duration {value!r}: give seconds (900-43200) or {MAX_DURATION_KEYWORD}")
    return validate_duration(int(value))


def aws_config_path() -> Path:
    """The config file the AWS CLI reads: ``AWS_CONFIG_FILE``, else ``~/.aws/config``."""
    return Path(os.path.expanduser(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"))


def _read_config(path: Path) -> str:
    if not path.exists():
        return ""
    try:
        return read_user_bytes(path, "the AWS config file").decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except UnreadableFile as error:
        raise InputError(str(error)) from None


def _source(params: Mapping[str, Any]) -> Source:
    """What assumes the roles: ``--credential-source``, else ``--source-profile`` (default: the profile
    the command runs with, else ``default``) as the shared config describes it."""
    if params["credential_source"] is not None:
        return Source(credential_source=params["credential_source"])
    name = params["source_profile"] or params["profile"] or os.environ.get("AWS_PROFILE") or "default"
    validate_profile_name(name, "source profile")
    return source_profile(name, shared_config_profiles())


def _is_principal(text: str) -> bool:
    arn = parse_arn(text)
    return arn is not None and arn.service == "iam" and arn.resource.startswith(("user/", "role/"))


def _check_combinations(params: Mapping[str, Any]) -> None:
    live = params["organization"] or params["target_accounts"] is not None
    if live == (params["from_scan"] is not None):
        raise InputError("give the roles: --organization or --accounts (with --role-name), or --from-scan FILE "
                         "with --principal ARN")
    if live and params["role_name"] is None:
        raise InputError("--organization/--accounts need --role-name: the role to write a profile for in each account")
    if params["from_scan"] is not None and not _is_principal(params["principal"] or ""):
        raise InputError("--from-scan needs --principal ARN: the user or role (arn:aws:iam::ACCOUNT:user/NAME or "
                         "role/NAME) whose roles get profiles")
    if params["principal"] and params["from_scan"] is None:
        raise InputError("--principal goes with --from-scan")
    if params["role_name"] is not None and not live:
        raise InputError("--role-name goes with --organization or --accounts")
    if params["source_profile"] and params["credential_source"]:
        raise InputError("give --source-profile or --credential-source, not both")
    if params["verify"] and not params["write"]:
        raise InputError("--verify assumes the profiles written: give --write too")


def _roles(params: Mapping[str, Any], external_ids: Mapping[str, str], stderr: Console
           ) -> tuple[list[RoleTarget], bool]:
    """The roles, and whether each account has one (the profile is then named after the account alone)."""
    if params["from_scan"] is not None:
        try:
            document = read_document(params["from_scan"])
            return roles_from_scan(document, params["principal"]), False
        except (DocumentError, GraphSectionError, UnknownNode, AuthConfigError) as error:
            raise InputError(str(error)) from None
    path, name = params["role_name"]
    options = AwsOptions(profile=params["profile"], region=params["region"], mfa_serial=params["mfa_serial"],
                         mfa_code=params["mfa_code"], accounts=params["target_accounts"],
                         organization=params["organization"], role_name=params["role_name"],
                         external_id=external_ids.get(name), session_name=params["session_name"],
                         from_environment=_from_environment())
    broker, identity, organization, targets = reach(options, stderr)
    with one_line_errors():
        roles = read_live_roles(broker, identity, organization, targets, (path, name), lambda m: note(stderr, m))
    return roles, True


def _from_environment() -> frozenset[str]:
    """The options set by ROLESCOPE_* variables (ambient: ignored where they cannot apply)."""
    context = click.get_current_context(silent=True)
    if context is None:
        return frozenset()
    return frozenset(k for k in ("mfa_code",) if context.get_parameter_source(k) is ParameterSource.ENVIRONMENT)


def _ask_external_ids(roles: Sequence[RoleTarget], given: dict[str, str], ask: Ask) -> None:
    """Ask for each ExternalId a role requires and nobody gave; without an answer, name every such role."""
    for role in missing_external_ids(roles, given):
        try:
            answer = ask(f"ExternalId for {role.arn} (its trust policy requires one): ", True).strip()
        except MfaError:  # standard input closed: nobody to ask
            click.echo(err=True)  # end the prompt's line
            raise MissingExternalIds([r.arn for r in missing_external_ids(roles, given)]) from None
        given[role.arn] = validate_external_id(answer)


def _backup(path: Path, now: datetime) -> Path:
    """Copy ``path`` beside itself (mode 0600: it may hold what only its owner should read)."""
    stamp = f"{path.name}.{now:%Y%m%dT%H%M%SZ}"
    backup = path.with_name(f"{stamp}.bak")
    copies = 1
    while backup.exists():  # two runs in one second: the first backup holds the original, keep it
        copies += 1
        backup = path.with_name(f"{stamp}-{copies}.bak")
    write_atomic(backup, path.read_bytes(), mode=0o600)
    return backup


def _say_outcomes(merged: Merged, planned: Sequence[PlannedProfile]) -> None:
    roles = {p.name: p for p in planned}
    for name, outcome in merged.outcomes:
        arn = roles[name].role.arn
        if outcome is Outcome.KEPT:
            say(f"kept      {name}: it exists with other settings (--overwrite replaces it)", err=True)
        else:
            say(f"{outcome.value:<9} {name}  {arn}", err=True)
        for message in roles[name].notes:
            say(f"          note: {message}", err=True)


def _verify(names: Sequence[str], params: Mapping[str, Any], ask: Ask) -> bool:
    prompter = MfaPrompter(ask, params["mfa_code"])
    results = verify_profiles(names, prompter, CliCache(), params["region"])
    for result in results:
        if result.identity is not None:
            say(f"works     {result.profile}  {result.identity.arn}")
        else:
            say(f"fails     {result.profile}: {result.error}")
    return all(r.works for r in results)


@click.command("profiles")
@click.option("--organization", is_flag=True, help="Every active account of the caller's organisation.")
@click.option("--accounts", "target_accounts", callback=checked(read_accounts), metavar="ID,ID|FILE",
              help="These accounts (a list, or a file with one id per line).")
@click.option("--role-name", callback=checked_role_name, metavar="NAME",
              help="The role of each account of --organization/--accounts to write a profile for.")
@click.option("--from-scan", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="A scan document (JSON, with its graph): every role --principal can reach, chains included.")
@click.option("--principal", metavar="ARN", help="With --from-scan: the user or role that assumes the roles.")
@click.option("--source-profile", help="The profile that assumes the roles. Default: --profile, AWS_PROFILE, "
                                       "else default.")
@click.option("--credential-source", type=click.Choice(CREDENTIAL_SOURCES),
              help="Assume the roles from these credentials instead of a source profile.")
@click.option("--prefix", default="", callback=checked(validate_prefix), help="Put before every profile name.")
@click.option("--mfa-serial", callback=checked(validate_mfa_serial), metavar="ARN",
              help="MFA device for roles whose trust requires MFA (default: the source profile's mfa_serial).")
@click.option("--mfa-code", callback=checked(validate_mfa_code), metavar="CODE", envvar="ROLESCOPE_MFA_CODE",
              help="The MFA code for reading the roles and for --verify (asked once otherwise).")
@click.option("--external-id", "external_ids", multiple=True, metavar="ROLE=VALUE",
              help="ExternalId for a role (ARN or name), repeatable. One a role requires and none given is asked "
                   "for (an error with --no-input).")
@click.option("--duration", callback=checked(parse_duration), metavar="SECONDS|max",
              help="duration_seconds, lowered to each role's MaxSessionDuration (and 3600 for chained roles); "
                   "max: the role's maximum. Default: not written (1 h).")
@click.option("--role-session-name", "session_name", callback=checked(validate_session_name),
              help="role_session_name of every profile.")
@click.option("--profile-region", callback=checked(validate_region), metavar="REGION",
              help="region of every profile.")
@click.option("--profile", "-p", help="The profile to read the organisation and the roles with.")
@click.option("--region", help="Region for the STS and IAM calls.")
@click.option("--overwrite", is_flag=True, help="Replace profiles of the same name that differ.")
@click.option("--write", is_flag=True, help="Write the config file (default: show the diff only).")
@click.option("--verify", is_flag=True, help="After writing, assume each profile through botocore.")
@click.option("--no-input", is_flag=True, help="Never ask: a missing ExternalId is an error.")
def profiles(**params: Any) -> None:
    """Write AWS CLI profiles for the roles a principal may assume, merged into ~/.aws/config."""
    run_profiles(params, ask_terminal, Console(stderr=True))


def run_profiles(params: Mapping[str, Any], ask: Ask, stderr: Console) -> None:
    """The command, with how to ask a person and where notes go injected."""
    _check_combinations(params)
    path = aws_config_path()
    text = _read_config(path)
    try:
        external_ids = parse_external_ids(params["external_ids"])
        source = _source(params)
    except AuthConfigError as error:
        raise InputError(str(error)) from None
    except ConfigParseError as error:
        raise InputError(config_parse_message(error)) from None
    if params["principal"] and ":role/" in params["principal"]:
        source = replace(source, role_session=True)  # the principal is a role: its profiles are chained
    roles, per_account = _roles(params, external_ids, stderr)
    if not roles:
        raise InputError(f"{params['principal']} can assume no role of the scan (no identity policy lets it, or it is "
                         "no principal of the scanned accounts): no profile to write" if params["from_scan"] else
                         "no account has the role: no profile to write")
    try:
        if not params["no_input"]:
            _ask_external_ids(roles, external_ids, ask)
        options = ProfileOptions(source, params["prefix"], params["mfa_serial"], external_ids, params["duration"],
                                 params["session_name"], params["profile_region"])
        planned = plan_profiles(roles, options, per_account)
    except AuthConfigError as error:
        raise InputError(str(error)) from None
    merged = merge_profiles(text, [p.section for p in planned], params["overwrite"])
    _say_outcomes(merged, planned)
    if merged.text == text:
        say(f"{path}: nothing to change", err=True)
    elif not params["write"]:
        say_block("".join(difflib.unified_diff(split_lines(text), split_lines(merged.text),
                                               str(path), f"{path} (with the profiles)")), nl=False)
        say(f"{path}: not written (--write writes it)", err=True)
    else:
        if path.exists():
            say(f"{path}: original kept as {_backup(path, datetime.now(UTC))}", err=True)
        write_atomic(path, merged.text, mode=None if path.exists() else 0o600)
        say(f"{path}: written", err=True)
    if params["verify"]:
        kept = {name for name, outcome in merged.outcomes if outcome is Outcome.KEPT}
        if not _verify([p.name for p in planned if p.name not in kept], params, ask):
            raise click.exceptions.Exit(EXIT_FINDINGS)
