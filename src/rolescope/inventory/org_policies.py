"""The organisation's tree and control policies as one file beside the GAAD exports.

``organization-policies.json`` (``export`` writes it; a person can assemble it from AWS CLI output)::

    {"Roots": [{"Id": "r-ab12", "Name": "Root"}],                  # list-roots
     "OrganizationalUnits": [{"Id": "ou-ab12-11111111", "Name": "Prod",
                              "ParentId": "r-ab12"}],              # list-organizational-units-for-parent
     "Parents": {"111122223333": "ou-ab12-11111111"},              # list-parents, per account
     "Policies": [{"PolicySummary": {"Id": "p-...", "Name": "...", "Type": "RESOURCE_CONTROL_POLICY",
                                     "AwsManaged": false},         # describe-policy's Policy
                   "Content": "{...policy JSON...}",
                   "Targets": [{"TargetId": "r-ab12", "Type": "ROOT"}]}]}  # list-targets-for-policy

The file is untrusted input: every id, type and document is checked, and an error names the place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rolescope.inventory.gaad import SnapshotError
from rolescope.inventory.model import JsonObject, Organization, OrgPolicy, OrgUnit
from rolescope.policy.arn import ACCOUNT_ID
from rolescope.policy.control import ControlKind, parse_control_policy
from rolescope.policy.errors import PolicyError

POLICIES_FILE = "organization-policies.json"
ROOT_ID = re.compile(r"\Ar-[0-9a-z]{4,32}\Z")
UNIT_ID = re.compile(r"\Aou-[0-9a-z]{4,32}-[0-9a-z]{8,32}\Z")
POLICY_ID = re.compile(r"\Ap-[0-9a-zA-Z_]{8,128}\Z")
TREE_KEYS = ("Roots", "Policies")


def is_policies_data(data: Any) -> bool:
    """Whether a JSON document is this file's shape (it has roots and policies, nothing of GAAD's)."""
    return isinstance(data, dict) and all(key in data for key in TREE_KEYS)


def _ids(value: Any, shape: re.Pattern[str], where: str, what: str) -> str:
    if not isinstance(value, str) or not shape.match(value):
        raise SnapshotError(f"{where} {value!r} is not {what}")
    return value


def _list(data: JsonObject, key: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise SnapshotError(f"{key} is not a list")
    return value


def _target(value: Any, where: str) -> str:
    if isinstance(value, str) and (ACCOUNT_ID.match(value) or ROOT_ID.match(value) or UNIT_ID.match(value)):
        return value
    raise SnapshotError(f"{where} {value!r} is not a root, OU or account id")


def parse_organization_policies(data: Any) -> Organization:
    """Read ``organization-policies.json`` into an organisation holding its tree and SCPs/RCPs.

    Raises:
        SnapshotError: the document is not this shape, or an id, type or policy is malformed (one
            line naming the place).
    """
    if not is_policies_data(data):
        raise SnapshotError("not an organisation policies file (Roots and Policies)")
    roots = _list(data, "Roots")
    if len(roots) != 1 or not isinstance(roots[0], dict):
        raise SnapshotError("Roots must hold exactly one root (an organisation has one)")
    root = _ids(roots[0].get("Id"), ROOT_ID, "Roots[0].Id", "a root id (r-...)")
    units = []
    for index, item in enumerate(_list(data, "OrganizationalUnits")):
        where = f"OrganizationalUnits[{index}]"
        if not isinstance(item, dict):
            raise SnapshotError(f"{where} is not an object")
        unit = _ids(item.get("Id"), UNIT_ID, f"{where}.Id", "an OU id (ou-...)")
        parent = item.get("ParentId")
        if parent != root:
            parent = _ids(parent, UNIT_ID, f"{where}.ParentId", "the root's id or an OU id")
        units.append(OrgUnit(unit, str(item.get("Name", "")), parent))
    parents = data.get("Parents") or {}
    if not isinstance(parents, dict):
        raise SnapshotError("Parents is not an object of account id -> root or OU id")
    known = {root, *(u.unit_id for u in units)}
    for account, parent in parents.items():
        if not ACCOUNT_ID.match(str(account)):
            raise SnapshotError(f"Parents: {account!r} is not a 12-digit account id")
        if parent not in known:
            raise SnapshotError(f"Parents[{account}] {parent!r} is neither the root nor a listed OU")
    policies = tuple(_policy(index, item) for index, item in enumerate(_list(data, "Policies")))
    return Organization(None, None, (), root, tuple(units), tuple(sorted(parents.items())), policies)


def _policy(index: int, item: Any) -> OrgPolicy:
    where = f"Policies[{index}]"
    summary = item.get("PolicySummary") if isinstance(item, dict) else None
    if not isinstance(summary, dict):
        raise SnapshotError(f"{where}.PolicySummary is missing")
    policy_id = _ids(summary.get("Id"), POLICY_ID, f"{where}.PolicySummary.Id", "a policy id (p-...)")
    try:
        kind = ControlKind(str(summary.get("Type")))
    except ValueError:
        raise SnapshotError(f"{where}.PolicySummary.Type {summary.get('Type')!r} is not "
                            f"{ControlKind.SCP.value} or {ControlKind.RCP.value}") from None
    content = item.get("Content")
    if not isinstance(content, str | dict):
        raise SnapshotError(f"{where}.Content is not the policy's JSON")
    try:
        document = parse_control_policy(content, kind)
    except PolicyError as error:
        raise SnapshotError(f"{where} ({policy_id}).Content: {error}") from None
    targets = [_target(t.get("TargetId") if isinstance(t, dict) else None, f"{where}.Targets[{n}].TargetId")
               for n, t in enumerate(_list(item, "Targets"))]
    return OrgPolicy(policy_id, str(summary.get("Name", "")), document, tuple(targets),
                     bool(summary.get("AwsManaged", False)))


def policies_document(organization: Organization) -> JsonObject:
    """The organisation's tree and policies in this file's shape (what ``export`` writes)."""
    return {
        "Roots": [{"Id": organization.root_id}] if organization.root_id else [],
        "OrganizationalUnits": [{"Id": u.unit_id, "Name": u.name, "ParentId": u.parent_id}
                                for u in organization.units],
        "Parents": dict(organization.account_parents),
        "Policies": [
            {"PolicySummary": {"Id": p.policy_id, "Name": p.name, "Type": p.kind.value, "AwsManaged": p.aws_managed},
             "Content": p.document.raw, "Targets": [{"TargetId": t} for t in p.targets]}
            for p in organization.policies
        ],
    }


def merge_trees(found: Iterable[Organization]) -> tuple[str | None, tuple[OrgUnit, ...], tuple[tuple[str, str], ...],
                                                        tuple[OrgPolicy, ...]]:
    """The tree and policies of several listings: the first that has a tree gives it."""
    for org in found:
        if org.root_id is not None:
            return org.root_id, org.units, org.account_parents, org.policies
    return None, (), (), ()
