"""rolescope.yaml reaches every place that reads settings: the scan document records it (file, digest,
parameters, severity overrides, vendors), the reports name its vendors, and ``fix plan`` judges and
warns with it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from tests.factories import ACCOUNT, OUTSIDER, allow, gaad, role, trust
from tests.remediate.scans import scan_json
from tests.report.render import embedded_data, render_page

from rolescope.checks.finding import SeverityOverride
from rolescope.cli.main import cli
from rolescope.remediate.report_fixes import plan_with_defaults
from rolescope.report.model import ConfigFile
from rolescope.report.reader import parse_document

REASON = "dormant access is an incident for us"
CONFIG = f"""
vendor_accounts:
  - name: Acme Backup
    accounts: ["{OUTSIDER}"]
checks:
  unused-cross-account-role:
    severity: high
    reason: {REASON}
    parameters: {{unused_days: 30}}
"""


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def scanned(tmp_path: Path, *config: str) -> dict[str, Any]:
    exports = tmp_path / "exports"
    exports.mkdir(exist_ok=True)
    (exports / f"{ACCOUNT}.json").write_text(json.dumps(gaad(role("vendor", trust(allow({"AWS": OUTSIDER}))))))
    out = tmp_path / "scan.json"
    result = invoke(*config, "scan", "--from", str(exports), "--format", "json", "-o", str(out))
    assert result.exit_code in (0, 1), result.stderr
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def test_the_scan_document_records_the_settings_in_force(tmp_path: Path) -> None:
    config = tmp_path / "team.yaml"
    config.write_text(CONFIG)
    document = scanned(tmp_path, "--config", str(config))
    assert document["settings"] == {
        "config": {"path": str(config.absolute()), "sha256": hashlib.sha256(config.read_bytes()).hexdigest()},
        "parameters": {"min_external_id_length": 16, "min_external_id_pattern_literals": 12,
                       "max_session_seconds": 3600, "unused_days": 30},
        "severity_overrides": {"unused-cross-account-role": {"severity": "high", "reason": REASON}},
        "vendor_accounts": {OUTSIDER: "Acme Backup"},
        "trusted_accounts": [],
    }
    typed = parse_document(document).settings
    assert typed is not None and typed.config == ConfigFile(str(config.absolute()), typed.config.sha256)
    assert typed.severity_overrides == {"unused-cross-account-role": SeverityOverride("high", REASON)}
    assert scanned(tmp_path, "--no-config")["settings"]["config"] is None
    del document["settings"]  # as rolescope wrote v2 documents before it recorded them
    assert parse_document(document).settings is None


def test_a_document_with_settings_nobody_could_configure_is_refused(tmp_path: Path) -> None:
    document = scanned(tmp_path, "--no-config")
    document["settings"]["parameters"]["now"] = 3
    scan = tmp_path / "bad.json"
    scan.write_text(json.dumps(document))
    result = invoke("fix", "plan", "--from", str(scan), "--out", str(tmp_path / "plan.json"))
    assert result.exit_code == 2
    assert "bad.json: settings.parameters.now is not a parameter of any check" in result.stderr


def page_names(document: dict[str, Any]) -> dict[str, str]:
    """The account names the HTML page shows (its names index, not the findings' messages)."""
    names: dict[str, str] = embedded_data(render_page(document).decode())["accounts"]
    return names


def test_configured_vendors_name_accounts_in_the_reports(tmp_path: Path) -> None:
    config = tmp_path / "team.yaml"
    config.write_text(CONFIG)
    assert page_names(scanned(tmp_path, "--config", str(config)))[OUTSIDER] == "Acme Backup"
    assert OUTSIDER not in page_names(scanned(tmp_path, "--no-config"))


def test_fix_plan_names_and_warns_about_configured_vendors(tmp_path: Path) -> None:
    config = tmp_path / "team.yaml"
    config.write_text(CONFIG)
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps(scan_json(role("vendor", trust(allow({"AWS": OUTSIDER}))))))
    plan = tmp_path / "plan.json"
    result = invoke("--config", str(config), "fix", "plan", "--from", str(scan), "--out", str(plan))
    assert result.exit_code == 0, result.stderr
    assert f"  {OUTSIDER} (Acme Backup): arn:aws:iam::{ACCOUNT}:role/vendor ExternalId" in result.stdout
    assert [p["vendor"] for p in json.loads(plan.read_text())["third_parties"]] == ["Acme Backup"]
    result = invoke("--config", str(config), "fix", "plan", "--from", str(scan), "--out", str(plan), "--force",
                    "--guard", "mfa")
    assert f"{OUTSIDER} is Acme Backup, a vendor whose software assumes the role" in result.stdout


def test_the_reports_corrected_policies_are_judged_by_the_settings_the_scan_recorded(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    guarded = trust(allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": "vendor-issued-0123"}}))
    (exports / f"{ACCOUNT}.json").write_text(json.dumps(gaad(role("vendor", guarded))))
    config = tmp_path / "team.yaml"
    config.write_text("checks:\n  weak-external-id:\n    parameters: {min_external_id_length: 24}\n")
    out = tmp_path / "scan.json"
    assert invoke("--config", str(config), "scan", "--from", str(exports), "--format", "json", "-o", str(out)
                  ).exit_code == 0
    document = parse_document(json.loads(out.read_text()))
    assert "weak-external-id" in {f.check for f in document.findings}  # 18 characters: weak under 24
    plan = plan_with_defaults(document)  # what the HTML page shows
    assert [c.checks for c in plan.changes] == [("weak-external-id",)], plan.not_fixed
