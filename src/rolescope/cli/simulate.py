"""``rolescope simulate``: decide one request against a trust policy, as IAM would."""

from __future__ import annotations

from datetime import datetime

import click
import orjson

from rolescope.cli.clock import as_of_option, scan_clock
from rolescope.cli.errors import InputError
from rolescope.cli.inputs import read_policy
from rolescope.cli.say import say
from rolescope.policy.evaluate import evaluate
from rolescope.policy.model import PrincipalType
from rolescope.policy.request import Caller, Request, caller_from_arn
from rolescope.policy.request_time import at_request_time, epoch_seconds


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
def simulate(policy_file: str, principal: str, action: str, pairs: tuple[str, ...], as_of: datetime | None) -> None:
    """Print ALLOW or DENY for one request, and the statement that decided it."""
    policy = read_policy(policy_file)
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
    decision = evaluate(policy, Request(caller, action, context))
    say(decision.label)
    if decision.statement is not None:
        say("  " + orjson.dumps(decision.statement.raw).decode())
