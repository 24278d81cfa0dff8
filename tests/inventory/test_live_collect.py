"""The live collector with fake IAM clients: what it asks for, how pages merge, how accounts fail alone."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from rolescope.auth.clients import CallCounter
from rolescope.auth.targets import Target
from rolescope.inventory.live import GAAD_FILTER, collect

HOME, MEMBER, OUTSIDER = "111122223333", "444455556666", "777788889999"


def role(account: str, name: str, trusted: dict[str, Any], role_id: str | None = None) -> dict[str, Any]:
    document = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": trusted, "Action": "sts:AssumeRole"}]}
    return {"RoleName": name, "Arn": f"arn:aws:iam::{account}:role/{name}", "Path": "/",
            "RoleId": role_id or f"AROA{name.upper()}", "AssumeRolePolicyDocument": quote(json.dumps(document)),
            "AttachedManagedPolicies": [], "RolePolicyList": []}


def listed(item: dict[str, Any], duration: int) -> dict[str, Any]:
    """A role as ListRoles shows it: no policies, but its MaxSessionDuration."""
    return {k: item[k] for k in ("RoleName", "Arn", "Path", "RoleId", "AssumeRolePolicyDocument")} | {
        "MaxSessionDuration": duration}


class Events:
    def register(self, *_: Any) -> None:
        pass

    def unregister(self, *_: Any) -> None:
        pass


class Meta:
    events = Events()


class FakeIam:
    """IAM of one account: GAAD and ListRoles in pages of ``page`` roles, an alias; ListRoles may be refused
    from its ``deny_list_roles_from``-th page on. Every page is one call."""

    meta = Meta()

    def __init__(self, account: str, roles: list[dict[str, Any]], page: int = 2, alias: str | None = None,
                 listed_roles: list[dict[str, Any]] | None = None, deny_list_roles_from: int | None = None) -> None:
        self.account, self.roles, self.page, self.alias = account, roles, page, alias
        self.listed_roles = [listed(r, 3600 * (1 + i % 12)) for i, r in enumerate(roles)] \
            if listed_roles is None else listed_roles
        self.deny_list_roles_from = deny_list_roles_from
        self.calls: list[tuple[str, Any]] = []

    def get_paginator(self, name: str) -> Any:
        if name == "get_account_authorization_details":
            return Paginator(self, "GetAccountAuthorizationDetails", self.gaad_pages)
        assert name == "list_roles"
        return Paginator(self, "ListRoles", self.list_roles_pages)

    def gaad_pages(self) -> Iterator[dict[str, Any]]:
        for start in range(0, max(len(self.roles), 1), self.page):
            yield {"RoleDetailList": self.roles[start:start + self.page], "UserDetailList": [],
                   "GroupDetailList": [], "Policies": [], "IsTruncated": start + self.page < len(self.roles)}

    def list_roles_pages(self) -> Iterator[dict[str, Any]]:
        for number, start in enumerate(range(0, max(len(self.listed_roles), 1), self.page)):
            if self.deny_list_roles_from is not None and number >= self.deny_list_roles_from:
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no iam:ListRoles"}}, "ListRoles")
            yield {"Roles": self.listed_roles[start:start + self.page],
                   "IsTruncated": start + self.page < len(self.listed_roles)}

    def list_account_aliases(self) -> dict[str, Any]:
        self.calls.append(("ListAccountAliases", None))
        return {"AccountAliases": [self.alias] if self.alias else []}

    def operations(self) -> list[str]:
        return [call for call, _ in self.calls]


class Paginator:
    def __init__(self, iam: FakeIam, operation: str, pages: Callable[[], Iterator[dict[str, Any]]]) -> None:
        self.iam, self.operation, self.pages = iam, operation, pages

    def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        for page in self.pages():
            self.iam.calls.append((self.operation, kwargs))
            yield page


class FakeSession:
    def __init__(self, iam: FakeIam) -> None:
        self.iam = iam

    def client(self, service: str, **_: Any) -> FakeIam:
        assert service == "iam"
        return self.iam


def test_pages_merged_alias_kept_and_session_lengths_from_list_roles() -> None:
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
    assert ("ListRoles", {"PaginationConfig": {"PageSize": 1000}}) in iam.calls
    assert iam.operations() == ["GetAccountAuthorizationDetails"] * 2 + ["ListAccountAliases"] + ["ListRoles"] * 2
    # Every role's session length, cross-account or not: an export scanned later in any zone of trust has it.
    durations = {r.name: r.max_session_duration for r in account.snapshot.roles}
    assert durations == {"ec2": 3600, "same": 7200, "vendor": 10800, "member": 14400}
    assert [item["MaxSessionDuration"] for item in account.gaad["RoleDetailList"]] == [3600, 7200, 10800, 14400]
    assert account.snapshot.roles[2].trust_policy_text is not None  # the text as IAM sent it
    assert account.notes == []


def test_calls_do_not_grow_with_cross_account_roles() -> None:
    def calls(cross_account: int) -> list[str]:
        roles = [role(HOME, f"vendor-{i:03d}", {"AWS": OUTSIDER}) for i in range(cross_account)]
        iam = FakeIam(HOME, [role(HOME, "ec2", {"Service": "ec2.amazonaws.com"}), *roles], page=1000)
        [account] = collect([Target(HOME)], lambda target: (FakeSession(iam), CallCounter())).accounts
        assert all(r.max_session_duration is not None for r in account.snapshot.roles)
        return iam.operations()

    assert calls(1) == calls(400) == ["GetAccountAuthorizationDetails", "ListAccountAliases", "ListRoles"]


def test_a_role_not_listed_keeps_an_unknown_session_length_with_a_note() -> None:
    made = role(HOME, "made", {"AWS": OUTSIDER})
    again = role(HOME, "again", {"AWS": OUTSIDER}, role_id="AROANEW")
    kept = role(HOME, "kept", {"AWS": OUTSIDER})
    # "made" was created after ListRoles ran; "again" was deleted and made again (same name, a new id).
    old_again = listed(again, 43200) | {"RoleId": "AROAOLD"}
    iam = FakeIam(HOME, [made, again, kept], listed_roles=[listed(kept, 43200), old_again])
    [account] = collect([Target(HOME)], lambda t: (FakeSession(iam), CallCounter())).accounts
    assert {r.name: r.max_session_duration for r in account.snapshot.roles} == {
        "made": None, "again": None, "kept": 43200}
    assert "MaxSessionDuration" not in account.gaad["RoleDetailList"][0]
    assert account.notes == ["MaxSessionDuration unknown for 2 of 3 roles (made, again), not checked for long "
                             "sessions: not listed by ListRoles (made or deleted during the scan)"]


def test_list_roles_refused_the_account_is_still_scanned_and_says_what_is_missing() -> None:
    roles = [role(HOME, f"vendor-{i:02d}", {"AWS": OUTSIDER}) for i in range(14)]
    iam = FakeIam(HOME, roles, page=2, deny_list_roles_from=1)  # the first page read, the second refused
    collection = collect([Target(HOME)], lambda t: (FakeSession(iam), CallCounter()))
    assert collection.failures == []
    [account] = collection.accounts
    durations = [r.max_session_duration for r in account.snapshot.roles]
    assert durations[:2] == [3600, 7200] and durations[2:] == [None] * 12
    assert account.notes == [
        "MaxSessionDuration unknown for 12 of 14 roles (vendor-02, vendor-03, vendor-04, vendor-05, vendor-06, "
        "vendor-07, vendor-08, vendor-09, vendor-10, vendor-11 and 2 more), not checked for long sessions: "
        "ListRoles failed: AccessDenied: no iam:ListRoles (ListRoles)"]


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
