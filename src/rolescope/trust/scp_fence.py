"""SCPs on the caller's side of a graph edge: a Deny on ``sts:AssumeRole`` that stops a principal of a
member account assuming a role cuts the edge.

SCPs govern the principals of member accounts (never the management account's, never service-linked
roles), at every level from the root down to the account. An edge is one known principal (or an
account's group of principals) and one known role, so a Deny is decided from what both identities fix:
``aws:PrincipalAccount``, ``aws:PrincipalArn`` (a principal's own edge), ``aws:PrincipalOrgID``,
``aws:PrincipalOrgPaths``, ``aws:PrincipalIsAWSService`` and the role's ``aws:ResourceAccount``,
``aws:ResourceOrgID``, ``aws:ResourceOrgPaths``. A Deny that reads any other key (MFA, source IP,
tags...) depends on the request and cuts nothing: the edge stays, the safe side for an auditor.

Every level must also Allow: at each level from the root down to the account that has SCPs attached,
one of them must have an Allow covering ``sts:AssumeRole`` on the role (``FullAWSAccess`` does, and is
attached everywhere by default; an allow-list SCP that replaced it may not). The test is
``check-policy --scp``'s (:func:`rolescope.policy.control.unallowed_actions`), so a conditional Allow
counts as allowing. A level with no SCP attached in the collected data (an older export, an OU created
without ``FullAWSAccess`` in a test organisation) counts as allowing: the data says nothing of it, and
AWS always has some SCP there.
"""

from __future__ import annotations

from rolescope.inventory.model import Organization
from rolescope.policy.conditions import condition_holds
from rolescope.policy.control import ControlKind, ControlStatement, unallowed_actions
from rolescope.policy.model import Effect
from rolescope.policy.values import variable_names
from rolescope.trust.perimeter import AppliedStatement, attached

Level = tuple[str, tuple[ControlStatement, ...]]  # an attachment point with SCPs, and their statements

ASSUME = "sts:assumerole"
SERVICE_LINKED = ":role/aws-service-role/"


class ScpFence:
    """Decides which graph edges the organisation's SCPs cut (see the module's rules)."""

    def __init__(self, organization: Organization | None) -> None:
        self.organization = organization
        self.enabled = organization is not None and any(p.kind is ControlKind.SCP for p in organization.policies)
        self._denies: dict[str, list[AppliedStatement]] = {}
        self._levels: dict[str, list[Level]] = {}

    def cuts(self, account: str, principal_arn: str | None, role_arn: str, role_account: str) -> str | None:
        """Why the SCPs stop principals of ``account`` (``principal_arn``, or any of them when ``None``)
        assuming ``role_arn``, if they surely do: a Deny, or a level where no SCP allows it.

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
        for level, statements in self._levels_of(organization, account):
            if unallowed_actions(statements, (ASSUME,), role_arn):
                return f"no SCP at {_level_name(level)} allows sts:AssumeRole"
        applied = self._deny(organization, account, principal_arn, role_arn, role_account)
        if applied is None:
            return None
        return (f"SCP {applied.policy.name or applied.policy.policy_id} ({applied.policy.policy_id}) at "
                f"{_level_name(applied.attached_to)}, {applied.statement.label}, denies sts:AssumeRole")

    def _levels_of(self, organization: Organization, account: str) -> list[Level]:
        """The levels above and at ``account`` that have SCPs attached, root first."""
        levels = self._levels.get(account)
        if levels is None:
            found: dict[str, list[ControlStatement]] = {}
            for level, policy in attached(organization, account, ControlKind.SCP):
                found.setdefault(level, []).extend(policy.document.statements)
            levels = self._levels[account] = [(level, tuple(found[level])) for level in found]
        return levels

    def _deny(self, organization: Organization, account: str, principal_arn: str | None, role_arn: str,
              role_account: str) -> AppliedStatement | None:
        """The SCP Deny that surely stops the caller assuming ``role_arn``, if one does."""
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


def levels_without_scps(organization: Organization) -> tuple[str, ...]:
    """The root, OUs and member accounts (not the management account) with no SCP attached in the data,
    which the fence counts as allowing; none when the organisation's SCPs are unknown altogether."""
    if not any(p.kind is ControlKind.SCP for p in organization.policies):
        return ()
    targeted = {t for p in organization.policies if p.kind is ControlKind.SCP for t in p.targets}
    accounts = sorted({*organization.account_ids, *(a for a, _ in organization.account_parents)}
                      - {organization.management_account})
    levels = [*([organization.root_id] if organization.root_id else []), *(u.unit_id for u in organization.units),
              *accounts]
    return tuple(level for level in levels if level not in targeted)


def _level_name(level: str) -> str:
    if level.startswith("r-"):
        return f"root {level}"
    return f"OU {level}" if level.startswith("ou-") else f"account {level}"


_ANOTHER_ORG = "o-notthisorg0"
