"""One ExternalId minimum: the weak-external-id check, the fixer and the templates agree on it."""

from __future__ import annotations

import pytest
from tests.factories import OUTSIDER, allow, role, trust
from tests.remediate.scans import scan_document

from rolescope.audit_role import AuditRole, cloudformation, terraform
from rolescope.checks.context import CheckSettings
from rolescope.checks.weak_external_id import default_minimum
from rolescope.policy.parse import parse_policy
from rolescope.remediate.errors import Unfixable
from rolescope.remediate.fixers import FixOptions, check_external_id
from rolescope.remediate.plan import Selection, build_plan
from rolescope.remediate.verify import open_checks
from rolescope.trust.analysis import analyse_trust
from rolescope.trust.witness import Zone


def weak(value: str, settings: CheckSettings) -> bool:
    policy = trust(allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": value}}))
    return "weak-external-id" in open_checks(analyse_trust(parse_policy(policy), Zone("111122223333")), settings)


def accepted(value: str, minimum: int | None = None) -> bool:
    try:
        check_external_id(value, minimum)
    except Unfixable:
        return False
    return True


@pytest.mark.parametrize("length", [default_minimum() - 1, default_minimum()])
def test_the_fixer_accepts_exactly_the_external_ids_the_check_accepts(length: int) -> None:
    value = "k7" * (length // 2) + "x" * (length % 2)
    assert accepted(value) is not weak(value, CheckSettings())


def test_a_configured_minimum_binds_the_fixer_and_its_recheck() -> None:
    value = "vendor-0123456789"  # 17 characters
    assert accepted(value) and not accepted(value, 20)
    # a plan made with a minimum of 40 re-checks the corrected policy with it: the generated 32
    # characters are weak there, so the fix is refused rather than written and reported again
    scan = scan_document(role("vendor", trust(allow({"AWS": OUTSIDER}))))
    plan = build_plan(scan, Selection(), FixOptions(generate=lambda: "f" * 32, min_external_id_length=40))
    assert not plan.changes
    assert any("weak-external-id" in n.reason for n in plan.not_fixed)


def test_the_audit_role_templates_require_the_same_minimum() -> None:
    audit = AuditRole(OUTSIDER, "e" * 32, False, 3600, "rolescope-audit")
    assert cloudformation(audit)["Parameters"]["ExternalId"]["MinLength"] == default_minimum()
    assert f"length(var.external_id) >= {default_minimum()}" in terraform(audit)
