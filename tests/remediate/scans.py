"""Scan documents for remediation tests, made by rolescope's own scanner from GAAD-shaped data."""

from __future__ import annotations

from typing import Any

from tests.factories import ACCOUNT, gaad, organization, role

from rolescope.checks.context import CheckSettings
from rolescope.inventory.files import parse_organization
from rolescope.inventory.gaad import parse_gaad
from rolescope.report.document import build_document
from rolescope.report.model import ScanDocument
from rolescope.report.reader import parse_document
from rolescope.scanner import scan_snapshots

__all__ = ["ACCOUNT", "role", "scan_document", "scan_json"]


def scan_json(*roles: dict[str, Any], org_accounts: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The ``rolescope.scan/v2`` document of one account holding ``roles``, as a file holds it."""
    snapshot = parse_gaad(gaad(*roles), "test.json")
    org = parse_organization(organization(*org_accounts)) if org_accounts else None
    result = scan_snapshots([snapshot], CheckSettings(organization=org))
    return build_document(result)


def scan_document(*roles: dict[str, Any], org_accounts: tuple[str, ...] | None = None) -> ScanDocument:
    """The same, as ``fix plan`` reads it."""
    return parse_document(scan_json(*roles, org_accounts=org_accounts))
