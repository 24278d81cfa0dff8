"""The live collector with fake IAM clients: what it asks for, how pages merge, how accounts fail alone."""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from rolescope.auth.clients import CallCounter
from rolescope.auth.targets import Target
from rolescope.inventory.live import GAAD_FILTER, collect, cross_account_roles
from rolescope.inventory.model import OrgAccount, Organization

HOME, MEMBER, OUTSIDER = "111122223333", "444455556666", "777788889999"


def role(account: str, name: str, trusted: dict[str, Any]) -> dict[str, Any]:
    document = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": trusted, "Action": "sts:AssumeRole"}]}
    return {"RoleName": name, "Arn": f"arn:aws:iam::{account}:role/{name}", "Path": "/", "RoleId": "AROAFAKE",
            "AssumeRolePolicyDocument": quote(json.dumps(document)), "AttachedManagedPolicies": [],
            "RolePolicyList": []}


class Events:
    def register(self, *_: Any) -> None:
        pass

    def unregister(self, *_: Any) -> None:
        pass


class Meta:
    events = Events()


class FakeIam:
    """IAM of one account: GAAD in pages of ``page`` roles, an alias, GetRole (or its refusal)."""

    meta = Meta()

    def __init__(self, account: str, roles: list[dict[str, Any]], page: int = 2, alias: str | None = None,
                 deny_get_role: bool = False) -> None:
        self.account, self.roles, self.page, self.alias = account, roles, page, alias
        self.deny_get_role = deny_get_role
        self.calls: list[tuple[str, Any]] = []

    def get_paginator(self, name: str) -> FakeIam:
        assert name == "get_account_authorization_details"
        return self

    def paginate(self, **kwargs: Any) -> Any:
        self.calls.append(("GetAccountAuthorizationDetails", kwargs))
        for start in range(0, max(len(self.roles), 1), self.page):
            yield {"RoleDetailList": self.roles[start:start + self.page], "UserDetailList": [],
                   "GroupDetailList": [], "Policies": [], "IsTruncated": start + self.page < len(self.roles)}

    def list_account_aliases(self) -> dict[str, Any]:
        self.calls.append(("ListAccountAliases", None))
        return {"AccountAliases": [self.alias] if self.alias else []}

    def get_role(self, RoleName: str) -> dict[str, Any]:
        self.calls.append(("GetRole", RoleName))
        if self.deny_get_role:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no iam:GetRole"}}, "GetRole")
        return {"Role": {"RoleName": RoleName, "MaxSessionDuration": 43200}}


class FakeSession:
    def __init__(self, iam: FakeIam) -> None:
        self.iam = iam

    def client(self, service: str, **_: Any) -> FakeIam:
        assert service == "iam"
        return self.iam


def test_pages_merged_alias_kept_and_get_role_only_for_cross_account_roles() -> None:
    iam = FakeIam(HOME, [role(HOME, "ec2", {"Service": "ec2.amazonaws.com"}),
                         role(HOME, "same", {"AWS": f"arn:aws:iam::{HOME}:root"}),
                         role(HOME, "vendor", {"AWS": OUTSIDER}),
                         role(HOME, "member", {"AWS": f"arn:aws:iam::{MEMBER}:root"})], page=3, alias="home")
    collection = collect([Target(HOME)], lambda target: (FakeSession(iam), CallCounter()))
    assert collection.failures == []
    [account] = collection.accounts
    assert [r.name for r in account.snapshot.roles] == ["ec2", "same", "vendor", "member"]
    assert account.snapshot.alias == "home" and account.gaad["AccountAlias"] == "home"
    assert iam.calls[0] == ("GetAccountAuthorizationDetails",
                            {"Filter": list(GAAD_FILTER), "PaginationConfig": {"PageSize": 1000}})
    assert [name for call, name in iam.calls if call == "GetRole"] == ["vendor", "member"]
    durations = {r.name: r.max_session_duration for r in account.snapshot.roles}
    assert durations == {"ec2": None, "same": None, "vendor": 43200, "member": 43200}
    assert account.snapshot.roles[2].trust_policy_text is not None  # the text as IAM sent it


def test_cross_account_is_judged_in_the_organisation() -> None:
    iam = FakeIam(HOME, [role(HOME, "member", {"AWS": f"arn:aws:iam::{MEMBER}:root"})])
    snapshot = collect([Target(HOME)], lambda t: (FakeSession(iam), CallCounter())).accounts[0].snapshot
    organization = Organization("o-exampleorg1", HOME, (OrgAccount(HOME), OrgAccount(MEMBER)))
    # Trust to another member is still trust from outside the account: its session length matters.
    assert cross_account_roles(snapshot, organization) == ["member"]
    assert cross_account_roles(snapshot, None) == ["member"]


def test_get_role_denied_leaves_the_duration_unknown_with_a_note() -> None:
    iam = FakeIam(HOME, [role(HOME, "vendor", {"AWS": OUTSIDER})], deny_get_role=True)
    collection = collect([Target(HOME)], lambda t: (FakeSession(iam), CallCounter()))
    [account] = collection.accounts
    assert account.snapshot.roles[0].max_session_duration is None
    assert account.notes == ["MaxSessionDuration of vendor unknown: AccessDenied: no iam:GetRole (GetRole)"]


def test_each_account_fails_alone_and_order_is_kept() -> None:
    targets = [Target(f"{n:012d}", f"arn:aws:iam::{n:012d}:role/Audit") for n in range(1, 9)]
    started = threading.Barrier(4, timeout=10)

    def open_session(target: Target) -> tuple[Any, CallCounter]:
        number = int(target.account_id)
        if number <= 4:
            started.wait()  # four accounts in flight at once: the pool really runs them concurrently
        if number == 3:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not trusted"}}, "AssumeRole")
        if number == 6:
            raise RuntimeError("boom")
        return FakeSession(FakeIam(target.account_id, [role(target.account_id, "r", {"AWS": OUTSIDER})])), \
            CallCounter()

    finished: list[str] = []
    collection = collect(targets, open_session, workers=4, progress=lambda outcome: finished.append("x"))
    assert [a.target.account_id for a in collection.accounts] == [t.account_id for t in targets
                                                                  if t.account_id[-1] not in "36"]
    assert [(f.account_id, str(f.error)) for f in collection.failures] == [
        ("000000000003", "AccessDenied: not trusted (AssumeRole)"), ("000000000006", "RuntimeError: boom")]
    assert len(finished) == 8
