"""SCPs on the caller's side of a graph edge: a Deny on ``sts:AssumeRole`` that stops a principal of a
member account assuming a role cuts the edge.

SCPs govern the principals of member accounts (never the management account's, never service-linked
roles), at every level from the root down to the account. An edge is one known principal (or an
account's group of principals) and one known role, so a Deny is decided from what both identities fix:
``aws:PrincipalAccount``, ``aws:PrincipalArn`` (a principal's own edge), ``aws:PrincipalOrgID``,
``aws:PrincipalOrgPaths``, ``aws:PrincipalIsAWSService`` and the role's ``aws:ResourceAccount``,
``aws:ResourceOrgID``, ``aws:ResourceOrgPaths``. A Deny that reads any other key (MFA, source IP,
tags...) depends on the request and cuts nothing: the edge stays, the safe side for an auditor.
The every-level-must-Allow rule is not applied here (``FullAWSAccess`` is attached at every level
unless someone detached it; ``check-policy --scp`` applies the rule).
"""

from __future__ import annotations

from rolescope.inventory.model import Organization
from rolescope.policy.conditions import condition_holds
from rolescope.policy.control import ControlKind
from rolescope.policy.model import Effect
from rolescope.policy.values import variable_names
from rolescope.trust.perimeter import AppliedStatement, attached

ASSUME = "sts:assumerole"
SERVICE_LINKED = ":role/aws-service-role/"


class ScpFence:
    """Decides which graph edges the organisation's SCPs cut (see the module's rules)."""

    def __init__(self, organization: Organization | None) -> None:
        self.organization = organization
        self.enabled = organization is not None and any(p.kind is ControlKind.SCP for p in organization.policies)
        self._denies: dict[str, list[AppliedStatement]] = {}

    def cuts(self, account: str, principal_arn: str | None, role_arn: str, role_account: str
             ) -> AppliedStatement | None:
        """The SCP Deny that stops principals of ``account`` (``principal_arn``, or any of them when
        ``None``) assuming ``role_arn``, if one surely does.

        Args:
            account: the caller's account.
            principal_arn: the caller's ARN, when the edge leaves one principal.
            role_arn: the role assumed.
            role_account: the role's account.
        """
        organization = self.organization
        if not self.enabled or organization is None or account not in organization.account_ids:
            return None
        if account == organization.management_account or (principal_arn and SERVICE_LINKED in principal_arn):
            return None
        denies = self._denies.get(account)
        if denies is None:
            denies = self._denies[account] = [
                AppliedStatement(policy, level, statement) for level, policy in attached(organization, account,
                                                                                          ControlKind.SCP)
                for statement in policy.document.statements if statement.effect is Effect.DENY
            ]
        contexts = self._contexts(organization, account, principal_arn, role_account)
        known = set().union(*contexts)
        for applied in denies:
            statement = applied.statement
            if not statement.covers(ASSUME, role_arn):
                continue
            read = {c.key for c in statement.conditions}
            read.update(name for c in statement.conditions for v in c.values for name in variable_names(v))
            if read <= known and all(condition_holds(c, context) for context in contexts
                                     for c in statement.conditions):
                return applied
        return None

    @staticmethod
    def _contexts(organization: Organization, account: str, principal_arn: str | None, role_account: str
                  ) -> list[dict[str, tuple[str, ...]]]:
        """The request's known keys; for a role outside the organisation, once without its organisation
        keys and once with another organisation's (it is in none, or in one that is not ours)."""
        context: dict[str, tuple[str, ...]] = {"aws:principalaccount": (account,),
                                               "aws:principalisawsservice": ("false",),
                                               "aws:resourceaccount": (role_account,)}
        if principal_arn:
            context["aws:principalarn"] = (principal_arn,)
        if organization.org_id:
            context["aws:principalorgid"] = (organization.org_id,)
            if role_account in organization.account_ids:
                context["aws:resourceorgid"] = (organization.org_id,)
        for key, owner in (("aws:principalorgpaths", account), ("aws:resourceorgpaths", role_account)):
            path = organization.org_path(owner)
            if path and owner in organization.account_ids:
                context[key] = (path,)
        if role_account in organization.account_ids or not organization.accounts:
            return [context]
        elsewhere = {"aws:resourceorgid": (_ANOTHER_ORG,), "aws:resourceorgpaths": (f"{_ANOTHER_ORG}/r-0000/",)}
        return [context, {**context, **elsewhere}]


_ANOTHER_ORG = "o-notthisorg0"
