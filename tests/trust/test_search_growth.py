"""Counted work: the trust searches a scan needs stop growing once the templates accounts share are known."""

from __future__ import annotations

from typing import Any

import pytest
from tests.trust.dense_org import dense_organization

from rolescope.scanner import TrustCache, zone_for


def searches(accounts: int, share: bool = True) -> int:
    snapshots, organization = dense_organization(accounts, roles=60)
    cache = TrustCache(share=share)
    for snapshot in snapshots:
        zone = zone_for(snapshot, organization)
        for role in snapshot.roles:
            cache.analyse(role.trust_policy, zone)
    return cache.stats["analysed"]


def test_searches_grow_by_less_than_one_per_extra_dense_account() -> None:
    few, many = searches(6), searches(24)
    assert many - few <= 24 - 6
    # Without sharing, every account brings its own documents: the bound above is not a given.
    assert searches(24, share=False) - searches(6, share=False) > 20 * (24 - 6)


def test_one_search_solves_each_key_for_the_same_conditions_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each way past the Denies changes the conditions on a few keys: the others are not solved again.

    A GitHub trust behind AWS's identity-perimeter RCP (as the benchmark's perimeter shape has it),
    analysed with the RCP's Denies appended: every search tries several ways past three Denies."""
    from bench.accounts import build_org
    from bench.perimeter import perimeter_file

    from rolescope.inventory.model import OrgAccount, Organization
    from rolescope.inventory.org_policies import parse_organization_policies
    from rolescope.policy.parse import parse_policy
    from rolescope.trust import search
    from rolescope.trust.analysis import analyse_trust
    from rolescope.trust.perimeter import RoleFacts, effective_trust, resource_context, role_perimeter
    from rolescope.trust.witness import Zone

    org = build_org(8, 7)
    tree = parse_organization_policies(perimeter_file(org))
    accounts = tuple(OrgAccount(a.account_id) for a in org.accounts)
    organization = Organization(org.org_id, accounts[0].account_id, accounts, tree.root_id, tree.units,
                                tree.account_parents, tree.policies)
    account = accounts[-1].account_id
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": f"arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com"},
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                      "StringLike": {"token.actions.githubusercontent.com:sub": f"repo:{org.github_org}/web:*"}}}]}
    facts = RoleFacts(f"arn:aws:iam::{account}:role/deploy", account)
    perimeter = role_perimeter(organization, facts)
    policy = parse_policy(effective_trust(trust, perimeter, resource_context(organization, facts)))
    assert len(policy.statements) == 4

    asked: list[list[tuple[str, tuple[int, ...]]]] = []
    solve, find = search.solve_key, search.find_request

    def counted_solve(key: str, atoms: Any, spec: Any) -> Any:
        asked[-1].append((key, tuple(id(c) for c, _ in atoms), tuple(t for _, t in atoms)))
        return solve(key, atoms, spec)

    def counted_find(*args: Any, **kwargs: Any) -> Any:
        asked.append([])
        return find(*args, **kwargs)

    monkeypatch.setattr(search, "solve_key", counted_solve)
    monkeypatch.setattr("rolescope.trust.analysis.find_request", counted_find)
    analysis = analyse_trust(policy, Zone(account, "aws", org.org_id, frozenset(a.account_id for a in accounts)))
    assert not analysis.public and analysis.paths
    assert sum(map(len, asked)) > len(asked) > 10
    for calls in asked:
        assert len(calls) == len(set(calls))
