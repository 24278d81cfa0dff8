"""Counted work: the trust searches a scan needs stop growing once the templates accounts share are known."""

from __future__ import annotations

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
