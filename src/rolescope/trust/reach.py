"""Can this particular principal assume that role? (Expanding account trust into real principals.)"""

from __future__ import annotations

from rolescope.policy.arn import parse_arn
from rolescope.policy.glob import FRESH
from rolescope.policy.model import Effect, PolicyDocument, Statement
from rolescope.trust.search import find_request
from rolescope.trust.witness import Zone, principal_witnesses


def statement_admitting(policy: PolicyDocument, zone: Zone, principal_arn: str) -> Statement | None:
    """The first Allow statement through which ``principal_arn`` can assume a role with this policy.

    Args:
        policy: the role's trust policy.
        zone: the role's account and organisation (the principal's org membership follows from it).
        principal_arn: an IAM role or user ARN.

    Returns:
        The statement, or ``None`` when no request from that principal is allowed.
    """
    arn = parse_arn(principal_arn)
    if arn is None:
        return None
    session = None
    if arn.resource_type == "role":
        session = f"arn:{arn.partition}:sts::{arn.account}:assumed-role/{arn.resource_name}/{FRESH}"
    witnesses = principal_witnesses(zone, arn.account, principal_arn, session)
    for statement in policy.statements:
        if statement.effect is Effect.ALLOW and any(find_request(policy, statement, w) for w in witnesses):
            return statement
    return None
