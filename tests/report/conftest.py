"""Shared fixtures: the bundled sample organisation scanned once, and its scan document."""

from __future__ import annotations

import copy
from datetime import UTC
from typing import Any

import pytest

from rolescope.checks.context import CheckSettings
from rolescope.cli.demo import SAMPLE_DATE, sample_org_path
from rolescope.inventory.files import load_snapshots, merge_organizations
from rolescope.report.document import build_document
from rolescope.scanner import ScanResult, scan_snapshots


def _scan_demo(perimeter: bool) -> ScanResult:
    snapshots, failures, organizations = load_snapshots([sample_org_path()], None)
    assert not failures
    if not perimeter:
        organizations = [o for o in organizations if o.root_id is None]
    settings = CheckSettings(organization=merge_organizations(organizations), now=SAMPLE_DATE.replace(tzinfo=UTC))
    return scan_snapshots(snapshots, settings)


@pytest.fixture(scope="session")
def demo_result() -> ScanResult:
    """The sample as the formats were pinned on, before its RCP perimeter (organization-policies.json):
    the stored v1 scans and the expected graphs date from then."""
    return _scan_demo(perimeter=False)


@pytest.fixture(scope="session")
def perimeter_demo_result() -> ScanResult:
    """The sample with its RCP perimeter, as ``rolescope demo`` scans it."""
    return _scan_demo(perimeter=True)


@pytest.fixture(scope="session")
def _demo_document(demo_result: ScanResult) -> dict[str, Any]:
    return build_document(demo_result)


@pytest.fixture()
def demo_document(_demo_document: dict[str, Any]) -> dict[str, Any]:
    """A fresh copy for each test, so a test may change it."""
    return copy.deepcopy(_demo_document)
