"""The perimeter of one trust policy from RCP and SCP documents a person gives (``check-policy``,
``simulate``): the RCPs as attached to the role's account, the SCPs as those of its callers.

RCP Denies join the trust policy exactly as in a scan (see :mod:`rolescope.trust.perimeter`). An SCP
Deny on ``sts:AssumeRole*`` that covers the role becomes a trust-policy Deny on the callers the SCPs
govern (``caller_scope``: e.g. the principals of one organisation), service-linked roles exempt. SCPs
also need an Allow at their level: when none of the files has an Allow statement they are taken as
attached beside ``FullAWSAccess`` (how a Deny-list SCP is used); otherwise an assume action no
unconditional Allow covers is denied to those callers. A conditional Allow counts as allowing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rolescope.inventory.model import JsonObject, Organization, OrgPolicy
from rolescope.policy.control import ControlDocument, ControlKind, unallowed_actions
from rolescope.policy.model import Effect
from rolescope.policy.request import ASSUME_ACTIONS
from rolescope.trust.perimeter import (
    AppliedStatement,
    RoleFacts,
    RolePerimeter,
    as_trust_deny,
    attached,
    effective_trust,
    resource_context,
    role_perimeter,
)

# SCPs do not restrict service-linked roles (they act for AWS services).
SERVICE_LINKED_EXEMPTION = ("ArnNotLike", "aws:PrincipalArn", "arn:*:iam::*:role/aws-service-role/*")
ACTION_NAMES = {"sts:assumerole": "sts:AssumeRole", "sts:assumerolewithsaml": "sts:AssumeRoleWithSAML",
                "sts:assumerolewithwebidentity": "sts:AssumeRoleWithWebIdentity"}


@dataclass(frozen=True, slots=True)
class GivenPolicy:
    """An SCP or RCP document from a file, named by the file."""

    name: str
    document: ControlDocument


@dataclass(frozen=True, slots=True)
class GivenPerimeter:
    """The trust policy with the given RCPs and SCPs, and the RCP statements that bear on the role."""

    document: JsonObject
    perimeter: RolePerimeter
    organization: Organization
    scp_statements: int  # the Denies the SCPs added


def given_perimeter(trust: JsonObject, role: RoleFacts, org_id: str | None, rcps: Sequence[GivenPolicy],
                    scps: Sequence[GivenPolicy], caller_scope: tuple[str, str, str] | None) -> GivenPerimeter:
    """The effective trust of ``role`` under the given policies.

    Args:
        trust: the trust policy as JSON.
        role: the role (its ARN is what the policies' ``Resource`` elements match).
        org_id: the role's organisation, when known (``aws:ResourceOrgID``).
        rcps: RCPs attached to the role's account.
        scps: SCPs that govern the callers ``caller_scope`` picks out.
        caller_scope: the condition (operator, key, value) that picks out the callers the SCPs govern;
            ``None``: every caller the request could come from (simulate names the one caller).
    """
    policies = tuple(OrgPolicy(p.name, p.name, p.document, (role.account_id,)) for p in (*rcps, *scps))
    organization = Organization(org_id, None, (), None, (), (), policies)
    perimeter = role_perimeter(organization, role)
    context = resource_context(organization, role)
    document = effective_trust(trust, perimeter, context)
    scoping = [SERVICE_LINKED_EXEMPTION, *([caller_scope] if caller_scope else [])]
    extra = _scp_denies(organization, role, context, scoping)
    if extra:
        body = document.get("Statement")
        statements = [body] if isinstance(body, dict) else list(body) if isinstance(body, list) else []
        document = {**document, "Statement": [*statements, *extra]}
    return GivenPerimeter(document, perimeter, organization, len(extra))


def _scp_denies(organization: Organization, role: RoleFacts, context: dict[str, tuple[str, ...]],
                scoping: list[tuple[str, str, str]]) -> list[JsonObject]:
    levels = attached(organization, role.account_id, ControlKind.SCP)
    denies = [
        as_trust_deny(AppliedStatement(policy, level, statement), {"AWS": "*"}, context, scoping)
        for level, policy in levels for statement in policy.document.statements
        if statement.effect is Effect.DENY and any(statement.covers(a, role.arn) for a in ASSUME_ACTIONS)
    ]
    statements = [s for _, p in levels for s in p.document.statements]
    if any(s.effect is Effect.ALLOW for s in statements):
        unallowed = unallowed_actions(statements, ASSUME_ACTIONS, role.arn)
        if unallowed:
            condition: dict[str, dict[str, str]] = {}
            for operator, key, value in scoping:
                condition.setdefault(operator, {})[key] = value
            denies.append({"Sid": "scp:no-allow:0", "Effect": "Deny", "Principal": {"AWS": "*"},
                           "Action": [ACTION_NAMES[a] for a in unallowed], "Condition": condition})
    return denies
