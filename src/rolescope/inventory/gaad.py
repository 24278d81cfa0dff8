"""Read ``aws iam get-account-authorization-details`` output (decoded or URL-encoded) into snapshots."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import orjson

from rolescope.caches import memoized
from rolescope.inventory.model import (
    AccountSnapshot,
    Group,
    InlinePolicy,
    JsonObject,
    ManagedPolicy,
    PolicyRef,
    Role,
    User,
)
from rolescope.policy.arn import ACCOUNT_ID, parse_arn

GAAD_KEYS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
_ACCOUNT_IN_NAME = re.compile(r"(?<!\d)(\d{12})(?!\d)")


class SnapshotError(ValueError):
    """A file or response that is not valid GetAccountAuthorizationDetails output."""


def decode_document(value: Any, what: str) -> tuple[JsonObject, str | None]:
    """A policy document as a dict, and its original text when the source gave text.

    Args:
        value: a dict, JSON text, or URL-encoded JSON text (what the IAM API returns).
        what: names the document in error messages.

    Raises:
        SnapshotError: the value is not a JSON object in any of those encodings.
    """
    if isinstance(value, dict):
        return value, None
    if not isinstance(value, str):
        raise SnapshotError(f"{what}: expected a policy document, found {type(value).__name__}")
    text = value.strip()
    decoded = unquote(text) if text.startswith("%") else text
    try:
        document = orjson.loads(decoded)
    except orjson.JSONDecodeError:
        raise SnapshotError(f"{what}: the policy document is not JSON") from None
    if not isinstance(document, dict):
        raise SnapshotError(f"{what}: the policy document is not a JSON object")
    return document, value


def _date(value: Any) -> datetime | None:
    if isinstance(value, str):  # as GAAD gives it
        if not value:
            return None
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def _refs(items: Any) -> tuple[PolicyRef, ...]:
    if not items:  # no comprehension run for nothing: read for every principal
        return ()
    return tuple([_ref(str(i.get("PolicyName", "")), str(i.get("PolicyArn", ""))) for i in items])


# An account attaches the same few managed policies to most of its principals: one reference each.
_ref = memoized(4096)(PolicyRef)


def _inline(items: Any, kind: str, owner: Any) -> tuple[InlinePolicy, ...]:
    """The inline policies of the ``kind`` (role, user, group) named ``owner``."""
    if not items:
        return ()
    found = []
    for item in items:
        name = str(item.get("PolicyName", ""))
        document = item.get("PolicyDocument")
        if not isinstance(document, dict):  # text to decode (the message is only made then)
            document, _ = decode_document(document, f"{kind} {owner} inline policy {name}")
        found.append(InlinePolicy(name, document))
    return tuple(found)


def _require(item: Mapping[str, Any], keys: tuple[str, ...], what: str) -> None:
    missing = [k for k in keys if not isinstance(item.get(k), str)]
    if missing:
        raise SnapshotError(f"{what}: missing {', '.join(missing)}")


def _role(item: Any, index: int) -> Role:
    if not isinstance(item, dict):
        raise SnapshotError(f"RoleDetailList[{index}] is not an object")
    if not (isinstance(item.get("RoleName"), str) and isinstance(item.get("Arn"), str)):  # the message only then
        _require(item, ("RoleName", "Arn"), f"RoleDetailList[{index}]")
    name = item["RoleName"]
    if "AssumeRolePolicyDocument" not in item:
        raise SnapshotError(f"role {name}: missing AssumeRolePolicyDocument")
    trust, text = item["AssumeRolePolicyDocument"], None
    if not isinstance(trust, dict):  # text to decode (the message is only made then)
        trust, text = decode_document(trust, f"role {name} trust policy")
    last_used = item.get("RoleLastUsed") or {}
    tags, profiles = item.get("Tags"), item.get("InstanceProfileList")
    boundary = item.get("PermissionsBoundary") or {}
    max_session = item.get("MaxSessionDuration")
    # by position: read for every role of every account
    return Role(
        name,
        item["Arn"],
        str(item.get("Path", "/")),
        str(item.get("RoleId", "")),
        trust,
        text,
        _refs(item.get("AttachedManagedPolicies")),
        _inline(item.get("RolePolicyList"), "role", name),
        boundary.get("PermissionsBoundaryArn"),
        int(max_session) if isinstance(max_session, (int, str)) and str(max_session).isdigit() else None,
        _date(last_used.get("LastUsedDate")),
        last_used.get("Region"),
        tuple([(str(t.get("Key", "")), str(t.get("Value", ""))) for t in tags]) if tags else (),
        _date(item.get("CreateDate")),
        tuple([str(p.get("Arn", "")) for p in profiles]) if profiles else (),
    )


def _policy(item: Any, index: int) -> ManagedPolicy:
    if not isinstance(item, dict):
        raise SnapshotError(f"Policies[{index}] is not an object")
    _require(item, ("PolicyName", "Arn"), f"Policies[{index}]")
    default = item.get("DefaultVersionId")
    document = None
    for version in item.get("PolicyVersionList") or ():
        if version.get("IsDefaultVersion") or version.get("VersionId") == default:
            document, _ = decode_document(version.get("Document"), f"policy {item['PolicyName']}")
            break
    return ManagedPolicy(item["PolicyName"], item["Arn"], document, str(item.get("Path", "/")), default)


def account_from(data: Mapping[str, Any], source: str, fallback: str | None) -> str:
    """The account a GAAD document describes: from its ARNs, else the file name, else ``fallback``."""
    for key in ("RoleDetailList", "UserDetailList", "GroupDetailList", "Policies"):
        for item in data.get(key) or ():
            arn = parse_arn(str(item.get("Arn", ""))) if isinstance(item, dict) else None
            if arn and ACCOUNT_ID.match(arn.account):
                return arn.account
    match = _ACCOUNT_IN_NAME.search(source.rsplit("/", 1)[-1])
    if match:
        return match.group(1)
    if fallback:
        return fallback
    raise SnapshotError("cannot tell which account this is: no ARN in it, no 12-digit id in the file name, "
                        "and no --account-id")


def parse_gaad(data: Any, source: str = "", account_id: str | None = None) -> AccountSnapshot:
    """Build a snapshot from one account's GetAccountAuthorizationDetails output.

    Args:
        data: the decoded JSON (all pages merged), policy documents decoded or URL-encoded.
        source: where it came from (a path), for messages and to find an account id in a file name.
        account_id: the account to assume when neither ARNs nor the file name tell.

    Raises:
        SnapshotError: the data is not GAAD output; the message says what is wrong.
    """
    if not isinstance(data, dict):
        raise SnapshotError("not GetAccountAuthorizationDetails output: the top level is not an object")
    if not any(key in data for key in GAAD_KEYS):
        raise SnapshotError("not GetAccountAuthorizationDetails output: none of " + ", ".join(GAAD_KEYS))
    for key in GAAD_KEYS:
        if key in data and not isinstance(data[key], list):
            raise SnapshotError(f"{key} is not a list")
    account = account_from(data, source, account_id)
    users = tuple(
        User(
            name=str(u.get("UserName", "")),
            arn=str(u.get("Arn", "")),
            path=str(u.get("Path", "/")),
            user_id=str(u.get("UserId", "")),
            groups=tuple(u.get("GroupList") or ()),
            attached_policies=_refs(u.get("AttachedManagedPolicies")),
            inline_policies=_inline(u.get("UserPolicyList"), "user", u.get("UserName")),
            create_date=_date(u.get("CreateDate")),
        )
        for u in data.get("UserDetailList") or ()
        if isinstance(u, dict)
    )
    groups = tuple(
        Group(
            name=str(g.get("GroupName", "")),
            arn=str(g.get("Arn", "")),
            path=str(g.get("Path", "/")),
            attached_policies=_refs(g.get("AttachedManagedPolicies")),
            inline_policies=_inline(g.get("GroupPolicyList"), "group", g.get("GroupName")),
        )
        for g in data.get("GroupDetailList") or ()
        if isinstance(g, dict)
    )
    roles = tuple([_role(item, i) for i, item in enumerate(data.get("RoleDetailList") or ())])
    policies = tuple(_policy(item, i) for i, item in enumerate(data.get("Policies") or ()))
    alias = data.get("AccountAlias") if isinstance(data.get("AccountAlias"), str) else None
    return AccountSnapshot(account, roles, alias, users, groups, policies, source=source)
