"""The shortcuts of an account's graph part agree with the general paths they stand in for.

:func:`graph_principals` classifies each distinct set of identity statements of an account once and
shares the outcome among the principals that hold it, and passes over a principal with no statement
about ``sts:AssumeRole`` (and no AWS managed admin policy) without classifying it: held against
classifying every principal on its own. :func:`account_graph_part` builds a policy's admitter only
when a way in needs it: held against building it for every policy.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.factories import dense_account

from rolescope.checks.context import CheckSettings
from rolescope.cli.demo import sample_org_path
from rolescope.inventory.files import load_snapshots
from rolescope.inventory.gaad import parse_gaad
from rolescope.inventory.model import AccountSnapshot
from rolescope.scanner import scan_snapshots
from rolescope.trust.graph_model import Way
from rolescope.trust.graph_part import _ref, _refs
from rolescope.trust.perimeter_verdict import path_exception
from rolescope.trust.principals import GraphPrincipal, _classify, _holders, _identity_statements, graph_principals
from rolescope.trust.reach import Admitter

ACCOUNT = "111111111111"
_ASSUME_ANY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
_DENY_ONE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
    {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{ACCOUNT}:role/secret"}]}
_OWN = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": [f"arn:aws:iam::{ACCOUNT}:role/*",
                                                                 "arn:aws:iam::222222222222:role/x"]}]}


def _each_on_its_own(snapshot: AccountSnapshot) -> list[GraphPrincipal]:
    found = []
    for arn, kind, refs, inline in _holders(snapshot):
        statements, admin = _identity_statements(snapshot, refs, inline, {})  # nothing remembered
        outcome = _classify(arn.split(":", 2)[1], snapshot.account_id, statements, admin)
        if outcome is not None:
            found.append(GraphPrincipal(arn, kind, *outcome))
    return found


def _role(name: str, partition: str = "aws", inline: dict[str, Any] | None = None,
          managed: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"RoleName": name, "Arn": f"arn:{partition}:iam::{ACCOUNT}:role/{name}",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
            "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": inline}] if inline else [],
            "AttachedManagedPolicies": [{"PolicyName": m.rsplit("/", 1)[-1], "PolicyArn": m} for m in managed]}


def _mixed() -> AccountSnapshot:
    own = f"arn:aws:iam::{ACCOUNT}:policy/own"
    return parse_gaad({
        "RoleDetailList": [
            _role("a", managed=(own,)), _role("b", managed=(own,)), _role("c", "aws-cn", managed=(own,)),
            _role("d", inline=_DENY_ONE), _role("e", inline=_DENY_ONE),
            _role("f", managed=("arn:aws:iam::aws:policy/AdministratorAccess",)),
            _role("g", managed=("arn:aws:iam::aws:policy/AdministratorAccess", own)), _role("h"),
        ],
        "UserDetailList": [
            {"UserName": "u", "Arn": f"arn:aws:iam::{ACCOUNT}:user/u", "GroupList": ["ops"],
             "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": _ASSUME_ANY}]},
            {"UserName": "v", "Arn": f"arn:aws:iam::{ACCOUNT}:user/v", "GroupList": ["ops"]},
        ],
        "GroupDetailList": [{"GroupName": "ops", "Arn": f"arn:aws:iam::{ACCOUNT}:group/ops",
                             "AttachedManagedPolicies": [{"PolicyName": "own", "PolicyArn": own}]}],
        "Policies": [{"PolicyName": "own", "Arn": own, "DefaultVersionId": "v1",
                      "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": _OWN}]}],
    }, "mixed.json")


def _snapshots() -> list[AccountSnapshot]:
    demo, _, _ = load_snapshots([sample_org_path()], None)
    dense = [parse_gaad(dense_account(a, 300, members=("333333333333",)), f"{a}.json")
             for a in ("333333333333", "444444444444")]
    return [*demo, *dense, _mixed()]


@pytest.mark.parametrize("snapshot", _snapshots(), ids=lambda s: s.account_id + s.source[-12:])
def test_principals_classified_once_are_those_classified_each_on_its_own(snapshot: AccountSnapshot) -> None:
    assert list(graph_principals(snapshot)) == _each_on_its_own(snapshot)


def test_the_mixed_account_covers_every_outcome() -> None:
    groups = {p.arn.rsplit("/", 1)[-1]: p.group for p in graph_principals(_mixed())}
    assert groups.keys() == {"a", "b", "c", "d", "e", "f", "g", "u", "v"}
    assert groups["d"] is None and groups["f"] is not None and groups["a"] != groups["f"]


def test_ways_in_are_those_made_with_an_admitter_built_for_every_policy() -> None:
    result = scan_snapshots(_snapshots(), CheckSettings())
    analyses = {id(r.analysis): r.analysis for a in result.accounts for r in a.roles if r.analysis is not None}
    assert len(analyses) > 20
    for analysis in analyses.values():
        eager = Admitter(analysis)
        general = [_ref(analysis, lambda: eager, path, way, principal)  # noqa: B023 - used at once
                   for path in analysis.paths
                   for way in [Way(path.statement, path.sid, path.scope.value, path.requires,
                                   path_exception(analysis, path))]
                   for principal in path.principals]
        assert list(_refs(analysis)) == general
