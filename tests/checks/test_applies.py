"""A check's ``applies`` is a necessary condition: when it says no, ``run`` reports nothing (scans skip it)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.trust.dense_org import dense_organization

from rolescope.checks.context import CheckSettings, RoleContext
from rolescope.checks.registry import CHECKS, checks_for
from rolescope.cli.demo import sample_org_path
from rolescope.inventory.files import load_snapshots, merge_organizations
from rolescope.inventory.model import AccountSnapshot, Organization
from rolescope.scanner import TrustCache, zone_for

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def assert_skipped_checks_report_nothing(snapshots: list[AccountSnapshot], organization: Organization | None) -> int:
    settings = CheckSettings(organization=organization, now=NOW)
    cache = TrustCache()
    skipped = 0
    for snapshot in snapshots:
        zone = zone_for(snapshot, organization)
        for role in snapshot.roles:
            analysis = cache.analyse(role.trust_policy, zone)
            chosen = checks_for(analysis)
            context = RoleContext(snapshot.account_id, role.arn, analysis, settings, role, snapshot)
            for check in CHECKS:
                if check not in chosen:
                    skipped += 1
                    assert list(check.run(context)) == [], (check.id, role.arn)
    return skipped


def test_every_registered_check_says_when_it_applies() -> None:
    assert all(check.applies is not None for check in CHECKS)


def test_skipped_checks_report_nothing_on_the_demo() -> None:
    snapshots, _, organizations = load_snapshots([sample_org_path()])
    assert assert_skipped_checks_report_nothing(snapshots, merge_organizations(organizations)) > 0


def test_skipped_checks_report_nothing_on_dense_accounts() -> None:
    snapshots, organization = dense_organization(accounts=3, roles=80)
    assert assert_skipped_checks_report_nothing(snapshots, organization) > 0
