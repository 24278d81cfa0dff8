"""The **dense** shape: accounts like the ones that broke rolescope's trust graph (issue 10).

Accounts of ~1,000–2,000 roles where about half of the roles carry AdministratorAccess or
PowerUserAccess (so they may call ``sts:AssumeRole`` on any role), ~10 % trust their own account's
root, ~8 % another member account's root, ~3 % ``"AWS": "*"`` confined to the organisation
(``aws:PrincipalOrgID``, some ``aws:PrincipalOrgPaths``); the rest a mix of service, OIDC (EKS,
GitHub), CI deployer, vendor (ExternalId), SAML and a few careless trusts. Users sit in Admins and
Developers groups (AdministratorAccess, PowerUserAccess), some with AdministratorAccess attached
directly; some users and roles hold explicit ``sts:AssumeRole`` grants on named roles or patterns.

The shares are quotas per account, not draws: every account holds them to within a role, landing-zone
roles (the same as the mixed shape's) counted in. Roles and users are the mixed shape's GAAD entries
(tags, last use, instance profiles, inline and customer-managed policies), so a role weighs about
what a real one does; AWS managed policies are referenced, not listed in ``Policies``, as in the mixed
shape, which keeps the input lean (a bloated input would flatter "the report is no larger than it").
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from bench.accounts import (
    APPS,
    FUNCTIONS,
    TEAMS,
    Account,
    AccountBuilder,
    Json,
    Org,
    RoleSpec,
    allow,
    aws_managed,
    hex_chars,
    root_arn,
    trust_document,
)

ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess")
ADMIN_ARNS = frozenset(aws_managed(name) for name in ADMIN_POLICIES)
ADMIN_SHARE = 0.5
# Shares of an account's roles by whom their trust policy lets in (see :func:`trust_class`).
TRUST_SHARES: dict[str, float] = {"own-root": 0.10, "member-root": 0.08, "org-wide": 0.03}
# The kind drawn to fill each quota of :data:`TRUST_SHARES`.
QUOTA_KINDS = {"own-root": "own-root", "member-root": "member-root", "org-wide": "public-org"}
# Every other role: kind -> weight. None of these trusts a member account's root or "*" in the organisation.
REST_MIX: dict[str, float] = {
    "service": 34.0,
    "service-source": 14.0,
    "oidc-eks": 12.0,
    "cross-account-ci": 8.0,
    "same-account-role": 7.0,
    "oidc-github": 6.0,
    "cross-account-vendor": 4.0,
    "cross-account-external-id": 3.0,
    "saml": 2.0,
    "cross-account-open": 0.7,
    "deleted-principal": 0.5,
    "oidc-github-no-sub": 0.3,
    "saml-no-aud": 0.3,
    "public": 0.1,
}
# Group memberships of a dense account's users, weighted.
USER_GROUPS: tuple[tuple[list[str], float], ...] = (
    (["Admins"], 25.0), (["Developers"], 35.0), (["Developers", "ReadOnly"], 10.0), (["ReadOnly"], 20.0), ([], 10.0),
)
USER_ADMIN_SHARE = 0.10  # users with AdministratorAccess attached directly
USER_GRANT_SHARE = 0.15  # users with an explicit sts:AssumeRole grant
ROLE_GRANT_SHARE = 0.05  # roles with one
CI_RUNNERS = ("atlantis-runner", "jenkins-agent", "codepipeline-deployer")
_ORG_KEYS = ("aws:principalorgid", "aws:principalorgpaths")


def _aws_principals(statement: Json) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict):
        return []
    value = principal.get("AWS", [])
    return [value] if isinstance(value, str) else list(value)


def _names_org_key(statement: Json) -> bool:
    return any(key.lower() in _ORG_KEYS for block in (statement.get("Condition") or {}).values() for key in block)


def trust_class(trust: Json, account_id: str, members: Iterable[str]) -> str:
    """Whom a trust policy lets in, as :data:`TRUST_SHARES` counts it.

    Args:
        trust: the trust policy document.
        account_id: the role's own account.
        members: the organisation's account ids.

    Returns:
        ``"org-wide"`` (an Allow of ``"*"`` confined by ``aws:PrincipalOrgID``/``PrincipalOrgPaths``
        in an Allow condition or a Deny), ``"own-root"`` (an Allow of the role's own account),
        ``"member-root"`` (of another member account), else ``"other"``.
    """
    statements = trust.get("Statement") or []
    statements = [statements] if isinstance(statements, dict) else statements
    allows = [s for s in statements if s.get("Effect") == "Allow"]
    confined = any(_names_org_key(s) for s in statements)
    if confined and any("*" in _aws_principals(s) for s in allows):
        return "org-wide"
    accounts = {p.split(":")[4] if p.startswith("arn:") else p
                for s in allows for p in _aws_principals(s) if p.isdigit() or p.endswith(":root")}
    if account_id in accounts:
        return "own-root"
    if accounts & set(members):
        return "member-root"
    return "other"


def quotas(total: int, landing: Counter[str]) -> dict[str, int]:
    """Roles still to draw for each class of :data:`TRUST_SHARES`, after the landing-zone roles."""
    return {cls: max(0, round(total * share) - landing[cls]) for cls, share in TRUST_SHARES.items()}


class DenseAccountBuilder(AccountBuilder):
    """Draws one dense account; the building blocks are the mixed shape's."""

    def __init__(self, org: Org, account: Account, rng: random.Random) -> None:
        super().__init__(org, account, rng)
        self.drawn: list[RoleSpec] = []
        self.targets: list[RoleSpec] = []  # roles a trust policy or a grant here may name (not service-linked)
        self.members = frozenset(a.account_id for a in self.org.accounts)

    def role_specs(self, total_roles: int) -> list[RoleSpec]:
        """Landing-zone roles, the trust quotas, the rest from :data:`REST_MIX`; then admin attachments."""
        rng = self.rng
        specs = self.landing_zone()[:total_roles]
        if self.account.function == "shared-services":
            specs.extend(self._ci_runner(name) for name in CI_RUNNERS)
            specs = specs[:total_roles]
        self.drawn = list(specs)
        self.targets = [s for s in specs if s.kind != "service-linked"]
        landing = Counter(trust_class(s.trust, self.me, self.members) for s in specs)
        kinds = [QUOTA_KINDS[cls] for cls, count in quotas(total_roles, landing).items() for _ in range(count)]
        kinds = kinds[: max(0, total_roles - len(specs))]
        kinds += rng.choices(list(REST_MIX), weights=list(REST_MIX.values()), k=total_roles - len(specs) - len(kinds))
        rng.shuffle(kinds)
        for kind in kinds:
            spec = self.workload(kind)
            if rng.random() < ROLE_GRANT_SHARE:
                spec.inline.append(self.assume_grant())
            self.drawn.append(spec)
            self.targets.append(spec)
        self._grant_admin(self.drawn, round(total_roles * ADMIN_SHARE))
        return self.drawn

    def _grant_admin(self, specs: list[RoleSpec], wanted: int) -> None:
        have = sum(1 for s in specs if ADMIN_ARNS.intersection(s.managed))
        eligible = [s for s in specs if s.kind not in ("service-linked", "saml-sso")
                    and not ADMIN_ARNS.intersection(s.managed)]
        for spec in self.rng.sample(eligible, min(len(eligible), max(0, wanted - have))):
            spec.managed.append(aws_managed("AdministratorAccess" if self.rng.random() < 0.6 else "PowerUserAccess"))

    def workload(self, kind: str) -> RoleSpec:
        template = _DENSE_TEMPLATES.get(kind)
        return template(self) if template is not None else super().workload(kind)

    def group_names(self) -> tuple[str, ...]:
        return ("Admins", "Developers", "ReadOnly")

    def user_count(self, total_roles: int) -> int:
        return max(5, total_roles // (5 if self.account.function == "identity" else 25))

    def user(self, index: int) -> Json:
        rng = self.rng
        entry = super().user(index)
        groups, weights = zip(*USER_GROUPS, strict=True)
        entry["GroupList"] = list(rng.choices(groups, weights=weights)[0])
        if rng.random() < USER_ADMIN_SHARE:
            entry["AttachedManagedPolicies"] = [{"PolicyName": "AdministratorAccess",
                                                 "PolicyArn": aws_managed("AdministratorAccess")}]
        if rng.random() < USER_GRANT_SHARE:
            name, document = self.assume_grant()
            entry["UserPolicyList"] = [{"PolicyName": name, "PolicyDocument": document}]
        return entry

    def assume_grant(self) -> tuple[str, Json]:
        """An inline policy allowing sts:AssumeRole on named roles: here, elsewhere in the org, or a pattern."""
        rng = self.rng
        other = self.other_member()
        shape = rng.random()
        if shape < 0.4 and self.targets:
            target = rng.choice(self.targets)
            resource: Any = f"arn:aws:iam::{self.me}:role{target.path}{target.name}"
        elif shape < 0.7:
            resource = [f"arn:aws:iam::{other.account_id}:role/OrganizationAccountAccessRole",
                        f"arn:aws:iam::{other.account_id}:role/security/SecurityAuditRole"]
        else:
            resource = f"arn:aws:iam::{other.account_id}:role/cdk-hnb659fds-*"
        return f"assume-{rng.choice(APPS)}-{hex_chars(rng, 4)}", {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "AssumeNamedRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
                           "Resource": resource}],
        }

    # -- templates --------------------------------------------------------------------------------
    def _own_root(self) -> RoleSpec:
        rng, me = self.rng, self.me
        app = rng.choice(APPS)
        shape = rng.random()
        action: Any = "sts:AssumeRole"
        condition: Json | None = None
        if shape < 0.15:
            action = ["sts:AssumeRole", "sts:TagSession"]
        elif shape < 0.25:
            condition = {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{me}:role/aws-reserved/sso.amazonaws.com/*"}}
        elif shape < 0.33:
            condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        name = f"{app}-{rng.choice(('admin', 'operator', 'maintenance', 'readonly', 'break-glass'))}"
        spec = RoleSpec("own-root", self.unique(name),
                        trust_document(allow({"AWS": root_arn(me)}, action, condition, self.maybe_sid("SameAccount"))))
        self._permissions(spec, app)
        return spec

    def _member_root(self) -> RoleSpec:
        rng = self.rng
        app = rng.choice(APPS)
        shape = rng.random()
        identity = self.org.by_function("identity").account_id
        condition: Json | None = None
        if shape < 0.2 and identity != self.me:
            other, condition = identity, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        else:
            other = self.other_member().account_id
            if shape > 0.8:
                condition = {"StringEquals": {"sts:ExternalId": f"{app}-{hex_chars(rng, 16)}"}}
        name = f"{app}-cross-account-{rng.choice(('read', 'admin', 'deploy', 'ops'))}"
        spec = RoleSpec("member-root", self.unique(name),
                        trust_document(allow({"AWS": root_arn(other)}, condition=condition,
                                             sid=self.maybe_sid("CrossAccount"))))
        self._permissions(spec, app)
        return spec

    def _org_wide(self) -> RoleSpec:
        return self._public_org("PrincipalOrgID" if self.rng.random() < 0.8 else "PrincipalOrgPaths")

    def _same_account_role(self) -> RoleSpec:
        rng, me = self.rng, self.me
        app = rng.choice(APPS)
        # Tiny accounts may hold only service-linked roles so far: name the role a Lambda would have.
        target = rng.choice(self.targets) if self.targets else RoleSpec("", f"{app}-handler-lambda-role", {})
        spec = RoleSpec("same-account-role", self.unique(f"{app}-{rng.choice(FUNCTIONS)}-runtime"),
                        trust_document(allow({"AWS": f"arn:aws:iam::{me}:role{target.path}{target.name}"},
                                             sid=self.maybe_sid("Chained"))))
        self._permissions(spec, app)
        return spec

    def _cross_account_ci(self) -> RoleSpec:
        rng = self.rng
        ci = self.org.by_function("shared-services").account_id
        app = rng.choice(APPS)
        spec = RoleSpec("cross-account-ci", self.unique(f"{app}-deployer"),
                        trust_document(allow({"AWS": f"arn:aws:iam::{ci}:role/ci/{rng.choice(CI_RUNNERS)}"},
                                             sid=self.maybe_sid("Deployer"))))
        self._permissions(spec, app)
        return spec

    def _ci_runner(self, name: str) -> RoleSpec:
        """A CI runner of the shared-services account: may assume every ``*-deployer`` role in the org."""
        spec = RoleSpec("service", self.unique(name), trust_document(allow({"Service": "ec2.amazonaws.com"})),
                        path="/ci/", instance_profile=True)
        spec.inline.append((f"{name}-deploy", {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "Deploy", "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
                           "Resource": "arn:aws:iam::*:role/*-deployer"}],
        }))
        spec.inline.append(self.inline_policy(f"{self.rng.choice(TEAMS)}-ci"))
        return spec


_DENSE_TEMPLATES: dict[str, Callable[[DenseAccountBuilder], RoleSpec]] = {
    "own-root": DenseAccountBuilder._own_root,
    "member-root": DenseAccountBuilder._member_root,
    "public-org": DenseAccountBuilder._org_wide,
    "same-account-role": DenseAccountBuilder._same_account_role,
    "cross-account-ci": DenseAccountBuilder._cross_account_ci,
}
