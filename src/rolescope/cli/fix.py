"""``rolescope fix``: plan corrected trust policies from a scan, review, apply with backups, roll back."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console

from rolescope.atomic_write import write_atomic
from rolescope.auth.errors import AuthConfigError
from rolescope.checks.context import CheckSettings
from rolescope.cli.aws_options import AwsOptions, checked_role_name, plan_credential_options
from rolescope.cli.choices import check_choice, check_help
from rolescope.cli.config_file import configured
from rolescope.cli.errors import EXIT_ACCOUNTS, InputError
from rolescope.cli.inputs import account_id_option, org_id_option, read_text
from rolescope.cli.live import one_line_errors, open_broker
from rolescope.cli.say import say, say_block
from rolescope.remediate.apply import Outcome, RunSettings, apply_plan, rollback
from rolescope.remediate.errors import AwsError, DriftError, JournalError, PlanError, Unfixable, VerifyError
from rolescope.remediate.fixers import FixOptions
from rolescope.remediate.iam import StoreFactory, broker_stores
from rolescope.remediate.journal import load_journal
from rolescope.remediate.plan import (
    AUDIT_ROLE,
    Plan,
    Selection,
    audit_roles_of,
    build_plan,
    load_plan,
    plan_document,
)
from rolescope.remediate.source_arns import unmatched
from rolescope.report.model import ScanDocument
from rolescope.report.reader import DocumentError, decode_document
from rolescope.userfiles import UnreadableFile, read_user_bytes
from rolescope.wording import count, listed

EXIT_FAILED = EXIT_ACCOUNTS  # an AWS call or a read-back failed part-way: rerun to converge
EXIT_DRIFT = 4  # refused: roles changed since the scan (or since the apply); nothing was changed


def _read_json(path: str, what: str) -> Any:
    text = read_text(path)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise InputError(f"{path}: not JSON, expected {what}") from None


def _read_scan(source: str) -> tuple[ScanDocument, str]:
    """The scan document in ``source`` (``-``: standard input) and the SHA-256 of its bytes."""
    try:
        data = sys.stdin.buffer.read() if source == "-" else read_user_bytes(
            Path(source), "a scan document (JSON)")
        return decode_document(data, "<stdin>" if source == "-" else source), hashlib.sha256(data).hexdigest()
    except (UnreadableFile, DocumentError) as error:
        raise InputError(str(error)) from None


def _accounts(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        account_id_option(ctx, param, value)
    return values


@click.group("fix")
def fix() -> None:
    """Correct trust policies: plan from a scan, review, apply with backups, roll back.

    \b
    rolescope scan --from DIR --format json --output scan.json
    rolescope fix plan --from scan.json --out plan.json
    rolescope fix show plan.json
    rolescope fix apply plan.json            # backup: plan.backup.json
    rolescope fix rollback plan.backup.json
    """


@fix.command("plan")
@click.option("--from", "source", required=True, metavar="SCAN.json", help="A scan document (scan --format json).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="PLAN.json",
              help="Where to write the plan.")
@click.option("--check", "checks", multiple=True, type=check_choice(), metavar="CHECK",
              help=check_help("Only findings of this check (repeatable)"))
@click.option("--role", "roles", multiple=True, help="Only this role, by name or ARN (repeatable).")
@click.option("--account", "accounts", multiple=True, callback=_accounts, help="Only this account (repeatable).")
@click.option("--guard", type=click.Choice(["external-id", "mfa"]), default="external-id", show_default=True,
              help="What a cross-account path must require: an ExternalId (third parties, software) or MFA (people).")
@click.option("--external-id", help="The ExternalId to require (default: a fresh random one per role).")
@click.option("--mfa-max-age", type=click.IntRange(60, 129600), metavar="SECONDS",
              help="With --guard mfa: also require aws:MultiFactorAuthAge below this.")
@click.option("--oidc-subject", "oidc_subjects", multiple=True, metavar="SUBJECT",
              help="Token subject an OIDC trust is pinned to, e.g. repo:ORG/REPO:ref:refs/heads/main (repeatable; "
                   "one role at a time).")
@click.option("--saml-audience", "saml_audiences", multiple=True, metavar="URL",
              help="SAML:aud value to require, e.g. https://signin.aws.amazon.com/saml (repeatable).")
@click.option("--org-id", callback=org_id_option,
              help="Organisation that \"*\" is narrowed to when the scan does not know it (o-...).")
@click.option("--source-arn", "source_arns", multiple=True, metavar="ARN",
              help="Resource a service principal acts for, required with ArnLike aws:SourceArn on the principals "
                   "of its service, e.g. arn:aws:config:*:111122223333:* (repeatable; others get "
                   "aws:SourceAccount).")
@click.option("--audit-role", "audit_roles", multiple=True, metavar="NAME",
              help="The role rolescope scans through (--role-name of live scans; repeatable): left alone, since a "
                   f"new ExternalId or MFA on it locks the next scan out [default: {AUDIT_ROLE} and the roles the "
                   "scan went through, as its document records them].")
@click.option("--include-audit-role", is_flag=True, help="Plan the --audit-role roles too (then scan with -I/--mfa).")
@click.option("--force", is_flag=True, help="Replace PLAN.json if it exists.")
def plan(source: str, out: Path, checks: tuple[str, ...], roles: tuple[str, ...], accounts: tuple[str, ...],
         guard: str, external_id: str | None, mfa_max_age: int | None, oidc_subjects: tuple[str, ...],
         saml_audiences: tuple[str, ...], org_id: str | None, source_arns: tuple[str, ...],
         audit_roles: tuple[str, ...], include_audit_role: bool, force: bool) -> None:
    """Write a reviewable plan: the corrected trust policy of every role with a fixable finding."""
    if mfa_max_age is not None and guard != "mfa":
        raise InputError("--mfa-max-age goes with --guard mfa")
    if external_id is not None and guard != "external-id":
        raise InputError("--external-id goes with --guard external-id")
    if out.exists() and not force:
        raise InputError(f"{out} exists; pass --force to replace it")
    settings = configured(CheckSettings())
    minimum = settings.min_external_id_length  # the check's, so a fix never re-fires it
    try:
        options = FixOptions(guard="mfa" if guard == "mfa" else "external-id", external_id=external_id,
                             mfa_max_age=mfa_max_age, oidc_subjects=oidc_subjects, saml_audiences=saml_audiences,
                             org_id=org_id, source_arns=source_arns, min_external_id_length=minimum,
                             min_external_id_pattern_literals=settings.min_external_id_pattern_literals,
                             max_session_seconds=settings.max_session_seconds)
        selection = Selection(frozenset(checks), frozenset(roles), frozenset(accounts),
                              frozenset(audit_roles) if audit_roles else None, include_audit_role)
        scan, scan_digest = _read_scan(source)
        _check_source_arns(source_arns, scan)
        if not audit_roles and not include_audit_role:
            _note_scanning_roles(scan)
        result = build_plan(scan, selection, options, source=source, source_digest=scan_digest, settings=settings)
    except (PlanError, Unfixable) as error:
        raise InputError(f"{source}: {error}" if isinstance(error, PlanError) else str(error)) from None
    write_atomic(out, orjson.dumps(plan_document(result), option=orjson.OPT_INDENT_2) + b"\n", mode=0o600)
    _print_plan(result, out)


def _check_source_arns(source_arns: tuple[str, ...], scan: ScanDocument) -> None:
    """Refuse a ``--source-arn`` whose service none of the scan's unbound service principals has."""
    services = sorted({str(f.evidence.get("service")) for f in scan.findings
                       if f.check == "service-trust-without-source-condition" and not f.suppressed})
    stray = unmatched(source_arns, services)
    if stray:
        raise InputError(f"--source-arn {stray[0]}: its service matches none of the service principals the scan "
                         f"reports without a source condition ({listed(services) if services else 'none'})")


def _note_scanning_roles(scan: ScanDocument) -> None:
    """Say which roles the scan document protects: the user did not name them."""
    present = {role.name for account in scan.accounts for role in account.roles}
    names = sorted((audit_roles_of(scan) - {AUDIT_ROLE}) & present)
    if names:
        say(f"rolescope: note: the scan went through {', '.join(names)}: left alone (a new guard would lock the "
            "next scan out); --include-audit-role plans it", err=True)


def _print_plan(result: Plan, out: Path) -> None:
    say(f"plan written to {out}: {count(len(result.changes), 'role')} to change, "
        f"{count(len(result.not_fixed), 'finding')} left alone")
    for change in result.changes:
        say(f"  {change.role_arn}: closes {', '.join(change.checks)}")
        for step in change.fixes:
            say(f"    + {step['description']}")
        for warning in change.warnings:
            say(f"    ! {warning}")
    if result.not_fixed:
        say("left alone:")
        for item in result.not_fixed:
            say(f"  {item.role_arn} {item.check}: {item.reason}")
    parties = result.third_parties()
    if parties:
        say("tell each of these accounts its new ExternalId before you apply, or their access stops:")
        for party in parties:
            who = "every organisation account that uses the role" if party["account_id"] == "*" else (
                party["account_id"] + (f" ({party['vendor']})" if party["vendor"] else "")
                + (" (in your organisation)" if party["in_organization"] else ""))
            for item in party["roles"]:
                say(f"  {who}: {item['role_arn']} ExternalId {item['external_id']}")
    if result.changes:
        say(f"review: rolescope fix show {out}; then: rolescope fix apply {out}")


@fix.command("show")
@click.argument("plan_file", metavar="PLAN.json")
def show(plan_file: str) -> None:
    """Print each change of a plan: the diff, the AWS CLI command and the Terraform snippet."""
    document = _read_json(plan_file, "a rolescope plan")
    try:
        load_plan(document)
    except PlanError as error:
        raise InputError(f"{plan_file}: {error}") from None
    for change in document["changes"]:
        say(f"# {change['role_arn']} — closes {', '.join(change['checks'])}")
        say_block(change["diff"], nl=False)
        say("")
        say(f"# AWS CLI (account {change['account_id']}):")
        say_block(f"{change['cli']}\n")
        say("# Terraform:")
        say_block(change["terraform"])
    if not document["changes"]:
        say("the plan changes nothing")


FIX_SESSION_NAME = "RolescopeFix"


def aws_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """How apply and rollback reach the accounts of a plan: the shared credential options, and these."""
    options = [
        plan_credential_options(FIX_SESSION_NAME),
        click.option("--role-name", callback=checked_role_name, metavar="NAME",
                     help="Assume this role in each account of the plan (NAME or path/NAME); without it the "
                          "credentials must be the account's own."),
        click.option("--account", "accounts", multiple=True, callback=_accounts,
                     help="Only roles of this account (repeatable)."),
        click.option("--dry-run", is_flag=True, help="Read and check, print the calls, change nothing."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _require_accounts(asked: tuple[str, ...], present: set[str], where: str) -> None:
    """An --account that is not in the plan or backup would change nothing and say so with exit 0."""
    absent = sorted(set(asked) - present)
    if absent:
        raise InputError(f"--account {', '.join(absent)}: not in {where}; its accounts: {listed(sorted(present))}")


def _stores(accounts: list[tuple[str, str]], params: dict[str, Any], role: tuple[str, str] | None) -> StoreFactory:
    """Credentials as live scans get them (rolescope.auth): profile, MFA, the AWS CLI's cache."""
    options = AwsOptions.from_params(params)
    if role is None and {"--external-id", "--session-duration", "--mfa", "--mfa-serial"} & set(options.given):
        raise InputError("-I/--external-id, -T/--session-duration and --mfa/--mfa-serial are for the role assumed "
                         "with --role-name")
    with one_line_errors():
        broker = open_broker(replace(options, role_name=role), Console(stderr=True),
                             default_session_name=FIX_SESSION_NAME)
    return broker_stores(broker, accounts, role)


def _run(action: Callable[[], list[Outcome]], verb: str) -> None:
    try:
        outcomes = action()
    except DriftError as error:
        say(f"rolescope: refused: {error}", err=True)
        raise click.exceptions.Exit(EXIT_DRIFT) from None
    except (PlanError, JournalError) as error:
        raise InputError(str(error)) from None
    except AuthConfigError as error:
        raise InputError(str(error)) from None
    except (AwsError, VerifyError) as error:
        say(f"rolescope: error: {error}; nothing is lost: rerun the same command to finish", err=True)
        raise click.exceptions.Exit(EXIT_FAILED) from None
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.action] = counts.get(outcome.action, 0) + 1
        if outcome.action == "skipped-drift":
            say(f"skipped (drifted): {outcome.role_arn}: {outcome.detail}", err=True)
    summary = ", ".join(f"{n} {a.replace('-', ' ')}" for a, n in sorted(counts.items())) or "no roles"
    say(f"{verb}: {summary}")


@fix.command("apply")
@click.argument("plan_file", metavar="PLAN.json")
@click.option("--backup", type=click.Path(dir_okay=False, path_type=Path), metavar="BACKUP.json",
              help="Backup and journal file (default: PLAN.backup.json beside the plan).")
@click.option("--skip-drifted", is_flag=True, help="Apply the other roles when some changed since the scan.")
@aws_options
def apply(plan_file: str, backup: Path | None, skip_drifted: bool, role_name: tuple[str, str] | None,
          accounts: tuple[str, ...], dry_run: bool, **credentials: Any) -> None:
    """Apply a plan: refuse drifted roles, back up every original (fsynced) first, write, read back, verify.

    Interrupted at any point, rerunning the same command finishes the job.
    """
    if plan_file == "-":
        raise InputError("the plan must be a file: its backup is kept beside it")
    try:
        loaded = load_plan(_read_json(plan_file, "a rolescope plan"))
    except PlanError as error:
        raise InputError(f"{plan_file}: {error}") from None
    target = backup or Path(plan_file).with_suffix(".backup.json")
    _require_accounts(accounts, {c.account_id for c in loaded.changes}, "the plan")
    reached = sorted({(c.account_id, c.partition) for c in loaded.changes if not accounts or c.account_id in accounts})
    stores = _stores(reached, credentials, role_name)
    settings = RunSettings(dry_run=dry_run, accounts=frozenset(accounts), echo=say)
    _run(lambda: apply_plan(loaded, stores, target, settings, plan_path=plan_file, skip_drifted=skip_drifted),
         "dry run" if dry_run else f"apply (backup: {target})")


@fix.command("rollback")
@click.argument("backup", type=click.Path(dir_okay=False, path_type=Path), metavar="BACKUP.json")
@click.option("--force", is_flag=True, help="Also restore roles changed after the apply (their current policy is "
                                            "kept in the backup).")
@aws_options
def rollback_command(backup: Path, force: bool, role_name: tuple[str, str] | None, accounts: tuple[str, ...],
                     dry_run: bool, **credentials: Any) -> None:
    """Restore the original trust policies from a backup, byte for byte. Rerun after an interruption."""
    try:
        entries = load_journal(backup).entries.values()
    except JournalError as error:
        raise InputError(str(error)) from None
    _require_accounts(accounts, {e.account_id for e in entries}, "the backup")
    reached = sorted({(e.account_id, e.role_arn.split(":")[1]) for e in entries
                      if not accounts or e.account_id in accounts})
    stores = _stores(reached, credentials, role_name)
    settings = RunSettings(dry_run=dry_run, accounts=frozenset(accounts), echo=say)
    _run(lambda: rollback(backup, stores, settings, force=force), "dry run" if dry_run else "rollback")
