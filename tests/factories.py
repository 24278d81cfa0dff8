"""Builders for GetAccountAuthorizationDetails-shaped test data."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

ACCOUNT = "111122223333"
MEMBER = "444455556666"
OUTSIDER = "777788889999"
ORG_ID = "o-exampleorg1"


def trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal: Any, action: Any = "sts:AssumeRole", condition: dict[str, Any] | None = None,
          sid: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if sid:
        statement["Sid"] = sid
    if condition:
        statement["Condition"] = condition
    return statement


def role(name: str, trust_policy: dict[str, Any], account: str = ACCOUNT, *, path: str = "/",
         managed: tuple[str, ...] = (), inline: dict[str, Any] | None = None, max_session: int | None = None,
         last_used: str | None = "2026-11-20T10:00:00+00:00", created: str = "2024-01-01T00:00:00+00:00",
         encode: bool = False) -> dict[str, Any]:
    document: Any = quote(json.dumps(trust_policy), safe="") if encode else trust_policy
    item: dict[str, Any] = {
        "Path": path,
        "RoleName": name,
        "RoleId": "AROA" + name.upper().replace("-", "")[:17].ljust(17, "X"),
        "Arn": f"arn:aws:iam::{account}:role{path}{name}",
        "CreateDate": created,
        "AssumeRolePolicyDocument": document,
        "InstanceProfileList": [],
        "RolePolicyList": [
            {"PolicyName": k, "PolicyDocument": quote(json.dumps(v), safe="") if encode else v}
            for k, v in (inline or {}).items()
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": m.rsplit("/", 1)[-1], "PolicyArn": m if m.startswith("arn:") else
             f"arn:aws:iam::aws:policy/{m}"} for m in managed
        ],
        "Tags": [],
        "RoleLastUsed": {"LastUsedDate": last_used, "Region": "us-east-1"} if last_used else {},
    }
    if max_session is not None:
        item["MaxSessionDuration"] = max_session
    return item


def gaad(*roles: dict[str, Any], policies: list[dict[str, Any]] | None = None,
         users: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"UserDetailList": users or [], "GroupDetailList": [], "RoleDetailList": list(roles),
            "Policies": policies or [], "IsTruncated": False}


def user(name: str, account: str = ACCOUNT, *, inline: dict[str, Any] | None = None,
         managed: tuple[str, ...] = ()) -> dict[str, Any]:
    """A user as GAAD lists it: its inline policies and attached managed policies."""
    return {
        "Path": "/", "UserName": name, "UserId": "AIDA" + name.upper()[:17].ljust(17, "X"),
        "Arn": f"arn:aws:iam::{account}:user/{name}", "CreateDate": "2024-01-01T00:00:00+00:00",
        "UserPolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()],
        "GroupList": [], "Tags": [],
        "AttachedManagedPolicies": [{"PolicyName": m, "PolicyArn": f"arn:aws:iam::aws:policy/{m}"} for m in managed],
    }


def organization(*accounts: str, org_id: str = ORG_ID, management: str = ACCOUNT) -> dict[str, Any]:
    return {
        "Organization": {"Id": org_id, "MasterAccountId": management, "FeatureSet": "ALL"},
        "Accounts": [
            {"Id": a, "Arn": f"arn:aws:organizations::{management}:account/{org_id}/{a}", "Name": f"acct-{a}",
             "Email": f"{a}@example.com", "Status": "ACTIVE"} for a in accounts
        ],
    }


def dense_account(account: str, roles: int, *, members: tuple[str, ...] = (), seed: int = 7,
                  org_id: str = ORG_ID) -> dict[str, Any]:
    """A dense account (issue 10's shape): about half the roles hold AdministratorAccess, ~10% trust
    their own account's root, ~8% another member's root (when ``members`` names some), ~3% ``"*"`` with
    ``aws:PrincipalOrgID``, ~2% their own root for IAM Identity Center roles only (an ``aws:PrincipalArn``
    pattern, as landing zones write it), the rest a service; ~2% of the roles are Identity Center roles.
    The same arguments give the same account."""
    import random

    rng = random.Random(f"{seed}:{account}")
    others = [m for m in members if m != account]
    sso = f"arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/*"
    items = []
    for index in range(roles):
        draw = rng.random()
        path = "/aws-reserved/sso.amazonaws.com/" if rng.random() < 0.02 else "/"
        if draw < 0.10:
            policy = trust(allow({"AWS": f"arn:aws:iam::{account}:root"}))
        elif draw < 0.12:
            policy = trust(allow({"AWS": f"arn:aws:iam::{account}:root"},
                                 condition={"ArnLike": {"aws:PrincipalArn": sso}}))
        elif draw < 0.18 and others:
            policy = trust(allow({"AWS": f"arn:aws:iam::{rng.choice(others)}:root"}))
        elif draw < 0.21:
            policy = trust(allow({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": org_id}}))
        else:
            policy = trust(allow({"Service": "ec2.amazonaws.com"}))
        managed = ("AdministratorAccess",) if rng.random() < 0.5 else ()
        items.append(role(f"r{index:05d}", policy, account, path=path, managed=managed, last_used=None))
    return gaad(*items)
