"""A small organisation of dense accounts, built in memory: the trust documents real landing zones stamp
into every account, each with the names that differ from one account to the next (role names, EKS
clusters, SSO providers, OU paths, ExternalIds, member and vendor accounts, deleted principals)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from rolescope.inventory.model import AccountSnapshot, OrgAccount, Organization, Role

ORG_ID = "o-densedense1"
VENDORS = ("464622532012", "803358357211", "999999999999")
SERVICES = ("lambda.amazonaws.com", "events.amazonaws.com", "ecs-tasks.amazonaws.com", "states.amazonaws.com")
REPOS = ("contoso/api", "contoso/web", "contoso/infra")
REGIONS = ("us-east-1", "eu-west-1")

Trust = dict[str, Any]


def _hex(rng: random.Random, size: int) -> str:
    return "".join(rng.choice("0123456789ABCDEF") for _ in range(size))


def _doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> Trust:
    document: Trust = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return document


def _kinds(account: str, members: list[str], rng: random.Random) -> list[Callable[[], Trust]]:
    """Trust builders for one account; each call draws the names that vary."""
    clusters = [(rng.choice(REGIONS), _hex(rng, 32)) for _ in range(2)]
    sso = f"AWSSSO_{_hex(rng, 16).lower()}_DO_NOT_DELETE"
    others = [m for m in members if m != account]

    def chained() -> Trust:
        name = rng.choice(["service-role/", "ci/", ""]) + f"app-{rng.randrange(10**6)}-role"
        sid = rng.choice([None, "", "Chained"])
        statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                                     "Principal": {"AWS": f"arn:aws:iam::{account}:role/{name}"}}
        if sid is not None:
            statement["Sid"] = sid
        return _doc(statement)

    def cdk() -> Trust:
        name = f"cdk-hnb659fds-deploy-role-{account}-{rng.choice(REGIONS)}"
        return _doc({"Effect": "Allow", "Action": "sts:AssumeRole",
                     "Principal": {"AWS": f"arn:aws:iam::{account}:role/{name}"}})

    def eks() -> Trust:
        region, cluster = rng.choice(clusters)
        host = f"oidc.eks.{region}.amazonaws.com/id/{cluster}"
        namespace = rng.choice(["kube-system", "apps", "ingress"])
        subject = rng.choice([f"system:serviceaccount:{namespace}:*",
                              f"system:serviceaccount:{namespace}:svc-{rng.randrange(1000)}"])
        operator = "StringLike" if subject.endswith("*") else "StringEquals"
        condition: dict[str, Any] = {operator: {f"{host}:sub": subject}}
        condition.setdefault("StringEquals", {})[f"{host}:aud"] = "sts.amazonaws.com"
        return _doc({"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                     "Principal": {"Federated": f"arn:aws:iam::{account}:oidc-provider/{host}"},
                     "Condition": condition})

    def github() -> Trust:
        host = "token.actions.githubusercontent.com"
        return _doc({"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                     "Principal": {"Federated": f"arn:aws:iam::{account}:oidc-provider/{host}"},
                     "Condition": {"StringEquals": {f"{host}:aud": "sts.amazonaws.com"},
                                   "StringLike": {f"{host}:sub": f"repo:{rng.choice(REPOS)}:*"}}})

    def sso_role() -> Trust:
        return _doc({"Effect": "Allow", "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                     "Principal": {"Federated": f"arn:aws:iam::{account}:saml-provider/{sso}"},
                     "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}})

    def sso_chain() -> Trust:
        return _doc({"Sid": rng.choice(["", "SameAccount"]), "Effect": "Allow", "Action": "sts:AssumeRole",
                     "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                     "Condition": {"ArnLike": {
                         "aws:PrincipalArn": f"arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/*"}}})

    def service() -> Trust:
        statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                                     "Principal": {"Service": rng.choice(SERVICES)}}
        if rng.random() < 0.5:
            statement["Sid"] = ""
        source = rng.random()
        if source < 0.3:
            statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
        elif source < 0.6:
            statement["Condition"] = {"ArnLike": {
                "aws:SourceArn": f"arn:aws:events:{rng.choice(REGIONS)}:{account}:rule/r-{rng.randrange(10**5)}"}}
        return _doc(statement, version=rng.choice(["2012-10-17", "2008-10-17"]))

    def org_path() -> Trust:
        path = f"{ORG_ID}/r-ab12/ou-ab12-{_hex(rng, 8).lower()}/*"
        return _doc({"Sid": "AnyAccountInTheOrg", "Effect": "Allow", "Action": "sts:AssumeRole",
                     "Principal": {"AWS": "*"},
                     "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": path}}})

    def org_wide() -> Trust:
        return _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"},
                     "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}})

    def member_root() -> Trust:
        statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                                     "Principal": {"AWS": f"arn:aws:iam::{rng.choice(others)}:root"}}
        if rng.random() < 0.4:
            statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        return _doc(statement)

    def own_root() -> Trust:
        return _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": account}})

    def vendor() -> Trust:
        who = rng.choice([*VENDORS, *others])
        principal = f"arn:aws:iam::{who}:" + rng.choice(["root", f"role/{rng.choice(['ci', 'audit'])}-integration"])
        return _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": principal},
                     "Condition": {"StringEquals": {"sts:ExternalId": f"ext-{_hex(rng, 16).lower()}"}}})

    def deleted() -> Trust:
        principals = [f"AROA{_hex(rng, 17)}", f"arn:aws:iam::{rng.choice(others)}:role/deployer"]
        return _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": principals}})

    return [chained, chained, chained, cdk, eks, eks, github, sso_role, sso_chain, service, service, service,
            org_path, org_wide, member_root, member_root, own_root, vendor, vendor, deleted]


def dense_organization(accounts: int, roles: int, seed: int = 7) -> tuple[list[AccountSnapshot], Organization]:
    """``accounts`` member accounts of ``roles`` roles each, deterministic for a seed.

    Returns:
        The snapshots and the organisation listing them.
    """
    rng = random.Random(seed)
    members = sorted(f"{rng.randrange(10**11, 10**12):012d}" for _ in range(accounts))
    organization = Organization(ORG_ID, members[0], tuple(OrgAccount(m) for m in members))
    snapshots = []
    for account in members:
        kinds = _kinds(account, members, rng)
        built = []
        for index in range(roles):
            trust = rng.choice(kinds)()
            name = f"role-{index}"
            built.append(Role(name, f"arn:aws:iam::{account}:role/{name}", "/", f"AROA{index:017d}", trust))
        snapshots.append(AccountSnapshot(account, tuple(built), organization=organization))
    return snapshots, organization
