"""Collect the organisation's tree and its SCPs and RCPs live (with ``--organization`` and ``export``).

From the management account or a delegated administrator: ``ListRoots``, then
``ListOrganizationalUnitsForParent`` and ``ListChildren`` (accounts) for the root and each OU, then per
policy type ``ListPolicies``, and per policy ``DescribePolicy`` and ``ListTargetsForPolicy``. Every
listing is paginated; every call goes through the caller's counter. The result is the same
:class:`~rolescope.inventory.model.Organization` that ``organization-policies.json`` reads, through the
same validation (what AWS returns is checked like a file: a malformed policy is an error, not a guess).
"""

from __future__ import annotations

from typing import Any

from rolescope.inventory.model import JsonObject
from rolescope.policy.control import ControlKind


def _pages(client: Any, operation: str, key: str, **arguments: Any) -> list[Any]:
    return [item for page in client.get_paginator(operation).paginate(**arguments) for item in page.get(key, [])]


def collect_policies_document(client: Any) -> JsonObject:
    """The tree and the SCPs/RCPs in ``organization-policies.json``'s shape (see
    :mod:`rolescope.inventory.org_policies`), read with ``client`` (an Organizations client).

    Raises:
        botocore.exceptions.ClientError: a call was refused; the caller says what it needs.
    """
    roots = _pages(client, "list_roots", "Roots")
    units: list[JsonObject] = []
    parents: dict[str, str] = {}
    pending = [root["Id"] for root in roots[:1]]
    while pending:
        parent = pending.pop(0)
        for unit in _pages(client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent):
            units.append({"Id": unit["Id"], "Name": unit.get("Name", ""), "ParentId": parent})
            pending.append(unit["Id"])
        for child in _pages(client, "list_children", "Children", ParentId=parent, ChildType="ACCOUNT"):
            parents[str(child["Id"])] = parent
    policies = []
    for kind in ControlKind:
        for summary in _pages(client, "list_policies", "Policies", Filter=kind.value):
            described = client.describe_policy(PolicyId=summary["Id"])["Policy"]
            targets = _pages(client, "list_targets_for_policy", "Targets", PolicyId=summary["Id"])
            policies.append({"PolicySummary": described.get("PolicySummary", summary),
                             "Content": described.get("Content"),
                             "Targets": [{"TargetId": t.get("TargetId"), "Type": t.get("Type")} for t in targets]})
    return {"Roots": [{"Id": r["Id"], "Name": r.get("Name", "")} for r in roots], "OrganizationalUnits": units,
            "Parents": parents, "Policies": policies}
