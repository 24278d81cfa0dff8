"""What a scan keeps in its typed document follows the reports asked for."""

from __future__ import annotations

import pytest

from rolescope.checks.context import CheckSettings
from rolescope.cli.scan import ReportOptions, scan_settings
from rolescope.report.formats import FORMATS


def _options(*formats: str, security_hub: bool = False) -> ReportOptions:
    return ReportOptions(formats, None, None, frozenset(), frozenset(), frozenset(), None, security_hub=security_hub)


def test_a_json_report_alone_keeps_no_finding_text() -> None:
    settings = scan_settings(_options("json"), CheckSettings())
    assert not settings.finding_text and settings.encoded_findings


@pytest.mark.parametrize("other", [f for f in FORMATS if f != "json"])
def test_any_other_report_keeps_the_findings_text(other: str) -> None:
    assert scan_settings(_options("json", other), CheckSettings()).finding_text
    assert scan_settings(_options(other), CheckSettings()).finding_text


def test_security_hub_keeps_the_findings_text() -> None:
    assert scan_settings(_options("json", security_hub=True), CheckSettings()).finding_text
