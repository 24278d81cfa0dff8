"""``rolescope simulate``: decide one request against a trust policy, as IAM would."""

from __future__ import annotations

from datetime import datetime

import click
import orjson

from rolescope.cli.clock import as_of_option, scan_clock
from rolescope.cli.errors import InputError
from rolescope.cli.inputs import read_control_policies, read_policy
from rolescope.cli.say import say
from rolescope.policy.arn import ACCOUNT_ID, parse_arn
from rolescope.policy.control import ControlKind
from rolescope.policy.evaluate import evaluate
from rolescope.policy.model import PolicyDocument, PrincipalType
from rolescope.policy.parse import parse_policy
from rolescope.policy.request import Caller, Request, caller_from_arn
from rolescope.policy.request_time import at_request_time, epoch_seconds
from rolescope.trust.given_perimeter import GivenPolicy, given_perimeter
from rolescope.trust.perimeter import PERIMETER_SID, RoleFacts


def _identity_keys(caller: Caller) -> dict[str, tuple[str, ...]]:
    """The keys IAM itself puts in every request from this caller."""
    if caller.type is PrincipalType.AWS:
        kind = "AssumedRole" if caller.session_arn else "Account" if caller.arn.endswith(":root") else "User"
        return {
            "aws:principalarn": (caller.arn,),
            "aws:principalaccount": (caller.account or "",),
            "aws:principaltype": (kind,),
            "aws:principalisawsservice": ("false",),
        }
    if caller.type is PrincipalType.SERVICE:
        return {"aws:principalservicename": (caller.arn,), "aws:principalisawsservice": ("true",)}
    return {}


@click.command("simulate")
@click.option("--policy", "policy_file", required=True, metavar="FILE|-", help="The trust policy.")
@click.option("--principal", required=True, help="Caller: role/user/session ARN, account id, service or IdP.")
@click.option("--action", default="sts:AssumeRole", show_default=True,
              help="The action requested: sts:AssumeRole, sts:AssumeRoleWithWebIdentity, sts:AssumeRoleWithSAML, "
                   "sts:TagSession...")
@click.option("--context", "pairs", multiple=True, metavar="KEY=VALUE",
              help="A condition key in the request; repeat a key for several values. aws:CurrentTime and "
                   "aws:EpochTime default to --as-of (IAM sets both to the time of the request).")
@as_of_option
@click.option("--rcp", "rcp_files", multiple=True, metavar="FILE",
              help="A resource control policy attached to the role's account (repeatable); needs --role-arn.")
@click.option("--scp", "scp_files", multiple=True, metavar="FILE",
              help="A service control policy of the caller's account (repeatable); needs --role-arn. Without an "
                   "Allow statement in any file, FullAWSAccess is assumed beside it.")
@click.option("--role-arn", help="The role the request is for: what the RCPs' and SCPs' Resource elements match.")
def simulate(policy_file: str, principal: str, action: str, pairs: tuple[str, ...], as_of: datetime | None,
             rcp_files: tuple[str, ...], scp_files: tuple[str, ...], role_arn: str | None) -> None:
    """Print ALLOW or DENY for one request, and the statement that decided it."""
    policy = read_policy(policy_file)
    rcps, scps = read_control_policies(rcp_files, ControlKind.RCP), read_control_policies(scp_files, ControlKind.SCP)
    try:
        caller = caller_from_arn(principal)
    except ValueError as error:
        raise InputError(f"--principal: {error}") from None
    context: dict[str, tuple[str, ...]] = dict(_identity_keys(caller))
    given: set[str] = set()
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key.strip():
            raise InputError(f"--context {pair!r}: expected KEY=VALUE")
        lowered = key.strip().lower()
        context[lowered] = (*context.get(lowered, ()), value) if lowered in given else (value,)
        given.add(lowered)
    try:
        context = at_request_time(context, epoch_seconds(scan_clock(as_of)))
    except ValueError as error:
        raise InputError(f"--context: {error}") from None
    if rcps or scps:
        policy = _with_perimeter(policy, role_arn, rcps, scps)
    decision = evaluate(policy, Request(caller, action, context))
    origin = PERIMETER_SID.match(decision.statement.sid or "") if decision.statement is not None else None
    if origin is None:
        say(decision.label)
    elif origin.group(1) == "no-allow":
        say("DENY (implicit: no SCP allows the action)")
    else:
        kind = origin.string.split(":", 1)[0].upper()
        control = {p.name: p for p in (*rcps, *scps)}[origin.group(1)]
        statement = control.document.statements[int(origin.group(2))]
        say(f"DENY (explicit) by {kind} {control.name} {statement.label}")
        say("  " + orjson.dumps(statement.raw).decode())
        return
    if decision.statement is not None:
        say("  " + orjson.dumps(decision.statement.raw).decode())


def _with_perimeter(policy: PolicyDocument, role_arn: str | None, rcps: list[GivenPolicy],
                    scps: list[GivenPolicy]) -> PolicyDocument:
    """The trust policy with the RCPs' and SCPs' Denies that cover ``role_arn``."""
    arn = parse_arn(role_arn or "")
    if arn is None or arn.service != "iam" or arn.resource_type != "role" or not ACCOUNT_ID.match(arn.account):
        raise InputError("--rcp and --scp need --role-arn arn:PARTITION:iam::ACCOUNT:role/NAME")
    path = "/" + arn.resource.partition("/")[2].rpartition("/")[0]
    role = RoleFacts(str(arn), arn.account, path.rstrip("/") + "/")
    return parse_policy(given_perimeter(dict(policy.raw), role, None, rcps, scps, None).document)
