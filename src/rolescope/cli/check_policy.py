"""``rolescope check-policy``: the verdicts and findings for one trust policy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
import orjson

from rolescope.checks.catalogue import severity_rank
from rolescope.checks.context import CheckSettings, RoleContext, paths_evidence
from rolescope.checks.registry import CHECKS, run_checks
from rolescope.cli.choices import severity_choice
from rolescope.cli.clock import as_of_option, scan_clock
from rolescope.cli.config_file import configured
from rolescope.cli.errors import EXIT_FINDINGS, InputError
from rolescope.cli.inputs import account_id_option, org_id_option, read_control_policies, read_policy
from rolescope.cli.say import say
from rolescope.policy.arn import PARTITIONS, role_arn
from rolescope.policy.control import ControlKind
from rolescope.policy.limits import ROLE_TRUST_POLICY
from rolescope.policy.model import PolicyDocument
from rolescope.policy.parse import parse_policy
from rolescope.policy.request_time import epoch_seconds
from rolescope.trust.analysis import analyse_trust
from rolescope.trust.given_perimeter import given_perimeter
from rolescope.trust.partitions import named_partitions
from rolescope.trust.perimeter import RoleFacts
from rolescope.trust.perimeter_verdict import perimeter_verdict
from rolescope.trust.witness import Zone

CHECK_POLICY_SCHEMA = "rolescope.check-policy/v1"


@click.command("check-policy")
@click.argument("file", metavar="FILE|-")
@click.option("--account-id", required=True, callback=account_id_option, help="The account the role lives in.")
@click.option("--org-id", callback=org_id_option, help="The organisation the account belongs to (o-...).")
@click.option("--partition", type=click.Choice(sorted(PARTITIONS)),
              help="The role's partition [default: the one the policy's principals name, else aws].")
@as_of_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json (the verdicts, each way in and the findings) for scripts.")
@click.option("--fail-on", type=severity_choice(), help="Exit 1 when a finding is at least this severe.")
@click.option("--no-size-limit", is_flag=True,
              help="Analyse a document larger than IAM accepts for a role trust policy (8,192 characters, "
                   "white space not counted).")
@click.option("--rcp", "rcp_files", multiple=True, metavar="FILE",
              help="A resource control policy attached to the role's account (repeatable): its Denies join the "
                   "trust policy.")
@click.option("--scp", "scp_files", multiple=True, metavar="FILE",
              help="A service control policy of the callers in the role's account, or in its organisation with "
                   "--org-id (repeatable); without an Allow statement in any file, FullAWSAccess is assumed beside it.")
@click.option("--role-name", default="role", show_default=True,
              help="The role's name (with its path), which the RCPs' and SCPs' Resource elements match.")
def check_policy(file: str, account_id: str, org_id: str | None, partition: str | None, as_of: datetime | None,
                 output_format: str, fail_on: str | None, no_size_limit: bool, rcp_files: tuple[str, ...],
                 scp_files: tuple[str, ...], role_name: str) -> None:
    """Evaluate one trust policy: who outside the account can assume the role, and what each way in requires."""
    policy = read_policy(file, None if no_size_limit else ROLE_TRUST_POLICY)
    rcps, scps = read_control_policies(rcp_files, ControlKind.RCP), read_control_policies(scp_files, ControlKind.SCP)
    partition = partition or _partition_of(policy)
    clock = scan_clock(as_of)
    settings = configured(CheckSettings(now=clock))
    zone = Zone(account_id, partition, org_id, clock=epoch_seconds(clock))
    analysis = analyse_trust(policy, zone, settings.min_external_id_pattern_literals)
    perimeter = None
    if rcps or scps:
        alone = analysis
        role = RoleFacts(role_arn(partition, account_id, role_name.rsplit("/", 1)[-1], _path_of(role_name)),
                         account_id, _path_of(role_name))
        scope = ("StringEquals", "aws:PrincipalOrgID", org_id) if org_id else \
            ("StringEquals", "aws:PrincipalAccount", account_id)
        given = given_perimeter(policy.raw, role, org_id, rcps, scps, scope)
        analysis = analyse_trust(parse_policy(given.document), zone, settings.min_external_id_pattern_literals)
        perimeter = perimeter_verdict(given.perimeter, alone, analysis, given.organization).evidence()
        perimeter["scp_denies"] = given.scp_statements
    context = RoleContext(account_id, "policy", analysis, settings)
    findings, errors = run_checks(context, [c for c in CHECKS if not c.needs_account])
    findings.sort(key=lambda f: (severity_rank(f.severity), f.statement or 0))
    result: dict[str, Any] = {
        "schema": CHECK_POLICY_SCHEMA,  # so a scan given this output skips it as rolescope's own
        "account_id": account_id,
        "org_id": org_id,
        "partition": partition,
        "as_of": clock.isoformat(),
        "cross_account": analysis.cross_account,
        "public": analysis.public,
        "mfa_or_external_id_required": analysis.mfa_or_external_id_required,
        "outside_accounts": list(analysis.outside_accounts),
        "paths": paths_evidence(analysis),
        "findings": [
            {"check": f.check, "severity": f.severity, "statement": f.statement, "message": f.message}
            for f in findings
        ],
        "errors": [{"check": e.check, "error": e.error} for e in errors],
    }
    if perimeter is not None:
        result["perimeter"] = perimeter
    if output_format == "json":
        click.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    else:
        _print_text(result)
    if fail_on and any(severity_rank(f.severity) <= severity_rank(fail_on) for f in findings):
        raise click.exceptions.Exit(EXIT_FINDINGS)


def _path_of(role_name: str) -> str:
    """The path of ``path/to/Name`` (``/path/to/``), or ``/``."""
    head = role_name.strip("/").rpartition("/")[0]
    return f"/{head}/" if head else "/"


def _partition_of(policy: PolicyDocument) -> str:
    """The role's partition, from the one its principals name (a principal is in its role's partition)."""
    named = sorted(named_partitions(policy))
    if len(named) > 1:
        raise InputError(f"the policy's principals name several partitions ({', '.join(named)}) but a role is in "
                         "one: give --partition")
    if not named or named[0] == "aws":
        return "aws"
    say(f"rolescope: the role is taken to be in partition {named[0]}, the one its principals name "
        "(--partition to say otherwise)", err=True)
    return named[0]


def _yes_no(value: bool | None) -> str:
    return "n/a" if value is None else "yes" if value else "no"


def _print_text(result: dict[str, Any]) -> None:
    say(f"account {result['account_id']} as of {result['as_of']}: cross-account {_yes_no(result['cross_account'])}, "
        f"public {_yes_no(result['public'])}, MFA or ExternalId required "
        f"{_yes_no(result['mfa_or_external_id_required'])}")
    for path in result["paths"]:
        requires = ", ".join(path["requires"]) or "nothing"
        sid = f" ({path['sid']})" if path["sid"] else ""
        opens = f", from {path['from']}" if "from" in path else ""
        say(f"  Statement[{path['statement']}]{sid} {path['scope']}: {', '.join(path['principals'])}"
            f" - requires {requires}{opens}")
    if not result["findings"]:
        say("no findings")
    for finding in result["findings"]:
        say(f"{finding['severity'].upper():8} {finding['check']}: {finding['message']}")
    for error in result["errors"]:
        say(f"ERROR    {error['check']}: {error['error']}")
    if "perimeter" in result:
        perimeter = result["perimeter"]
        say(f"perimeter: {perimeter['status']}" + (f" ({perimeter['reason']})" if perimeter.get("reason") else ""))
        for key, what in (("closed_by", "closes"), ("exceptions", "lets through by exception")):
            for item in perimeter.get(key, []):
                say(f"  {item['policy_name']} {item['statement']} {what}")
