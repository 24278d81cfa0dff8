"""Can this particular principal assume that role? (Expanding account trust into real principals.)"""

from __future__ import annotations

from rolescope.policy.arn import parse_arn
from rolescope.policy.glob import FRESH
from rolescope.policy.model import Effect, PolicyDocument, PrincipalKind, Statement
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


_NAMED_ONE_BY_ONE = frozenset({PrincipalKind.ROLE, PrincipalKind.USER, PrincipalKind.ASSUMED_ROLE,
                               PrincipalKind.FEDERATED_USER})


class Admissions:
    """:func:`statement_admitting` for many principals against one policy, asked once per kind of
    principal the policy cannot tell apart.

    A principal's own ARN reaches the search only through ``aws:PrincipalArn`` (and policy variables)
    and through policy principals that name roles, users or sessions; every other key the search
    reads is fixed by the principal's account (``aws:PrincipalAccount``, organisation) or by how it
    authenticates. So within an account the policy names no principal of, and when it reads no
    ``aws:PrincipalArn`` or variable, all roles get the same answer, and so do all users.
    """

    def __init__(self, policy: PolicyDocument, zone: Zone) -> None:
        self.policy = policy
        self.zone = zone
        self.by_arn = any(c.key == "aws:principalarn" or c.variables
                          for s in policy.statements for c in s.conditions)
        self.named = {p.account for s in policy.statements
                      for p in (s.principals or frozenset()) | (s.not_principals or frozenset())
                      if p.kind in _NAMED_ONE_BY_ONE}
        self._found: dict[tuple[str, str, str], Statement | None] = {}

    def statement_for(self, principal_arn: str) -> Statement | None:
        """The first Allow statement admitting ``principal_arn``; see :func:`statement_admitting`."""
        parts = principal_arn.split(":", 5)
        if len(parts) != 6 or self.by_arn or parts[4] in self.named:
            return statement_admitting(self.policy, self.zone, principal_arn)
        key = (parts[1], parts[4], parts[5].split("/", 1)[0].split(":", 1)[0])  # partition, account, role/user
        if key not in self._found:
            self._found[key] = statement_admitting(self.policy, self.zone, principal_arn)
        return self._found[key]
