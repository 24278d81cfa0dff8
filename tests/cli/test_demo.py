"""``rolescope demo``: the bundled sample organisation and the findings each of its roles must produce.

The table is the sample's README table (src/rolescope/data/sample_org/README.md), written down
independently of the engine; GitHub trusts without a pinned subject are also public (any repository).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from rolescope.cli.main import cli

ABBREVIATIONS = {
    "XA": "cross-account-without-mfa-or-external-id",
    "PUB": "public-trust",
    "OIDC": "oidc-trust-without-subject",
    "SAML": "saml-trust-without-audience",
    "SVC": "service-trust-without-source-condition",
    "WEAK": "weak-external-id",
    "DEL": "trust-to-deleted-principal",
    "PRIV": "privileged-cross-account-role",
    "OUT": "trust-to-account-outside-organization",
    "LONG": "long-session-cross-account-role",
    "UNUSED": "unused-cross-account-role",
    "ID": "identity-assume-any-role",
    "GAP": "rcp-perimeter-gap",
}
# The sample's RCP perimeter (organization-policies.json, attached at the root, Datadog and CrowdStrike
# excepted) changed these verdicts on purpose: the former contractor's role is closed (it had XA, PRIV, OUT,
# LONG and UNUSED), the two "*" roles are no longer public but still admit the excepted vendors (OUT instead
# of PUB), and the management account, which RCPs never cover, is the perimeter's one gap.
EXPECTED: dict[str, set[str]] = {
    "318406275193/AWSReservedSSO_AdministratorAccess_7c1e4b9f2a6d3e80": {"ID"},
    "318406275193/CloudTrail_CloudWatchLogs_Role": {"SVC"},
    "318406275193/CrowdStrikeCSPMReader": {"GAP", "OUT", "WEAK"},
    "318406275193/NorthwindAuditReadOnly": {"XA"},
    "318406275193/OktaFinanceReadOnly": {"SAML"},
    "529174068312/AWSReservedSSO_SecurityAuditor_5a9e3c7b1d0f4e62": set(),
    "529174068312/IncidentResponder": {"LONG", "PRIV"},
    "529174068312/OrganizationAccountAccessRole": {"PRIV", "UNUSED", "XA", "ID"},
    "529174068312/audit-orchestrator": set(),
    "529174068312/aws-config-role": set(),
    "529174068312/security-findings-ingest": {"XA"},
    "640285179423/CrowdStrikeCSPMReader": {"OUT", "UNUSED", "WEAK"},
    "640285179423/NorthwindAuditReadOnly": {"XA"},
    "640285179423/OrganizationAccountAccessRole": {"PRIV", "UNUSED", "XA", "ID"},
    "640285179423/log-archive-athena-reader": {"XA"},
    "751396280534/AWSReservedSSO_PlatformEngineer_9d3b6f1a8c2e5047": {"ID"},
    "751396280534/NorthwindAuditReadOnly": {"XA"},
    "751396280534/OrganizationAccountAccessRole": {"PRIV", "XA", "ID"},
    "751396280534/atlantis-runner": set(),
    "751396280534/github-actions-ecr-push": set(),
    "751396280534/github-actions-legacy-deploy": {"OIDC", "PUB", "ID"},
    "751396280534/jenkins-build-agent": set(),
    "862407391645/AWSReservedSSO_ReadOnlyAccess_4e8a2c6f0b9d1a73": set(),
    "862407391645/BreakGlassAdmin": {"PRIV", "UNUSED", "ID"},
    "862407391645/DataEngineerAccess": {"DEL"},
    "862407391645/DatadogIntegrationRole": {"OUT"},
    "862407391645/NorthwindAuditReadOnly": set(),
    "862407391645/OktaDataAnalyst": set(),
    "862407391645/OnCallReadOnly": set(),
    "862407391645/OrganizationAccountAccessRole": {"PRIV", "XA", "ID"},
    "862407391645/SupportCaseManager": set(),
    "862407391645/TerraformDeployer": {"PRIV", "ID"},
    "862407391645/orders-processor": set(),
    "862407391645/payments-api": set(),
    "862407391645/sns-sms-delivery-status": set(),
    "973518402756/AWSBackupDefaultServiceRole": {"SVC"},
    "973518402756/DatadogIntegrationRole": {"OUT", "WEAK", "XA"},
    "973518402756/NorthwindAuditReadOnly": set(),
    "973518402756/OrganizationAccountAccessRole": {"PRIV", "XA", "ID"},
    "973518402756/TerraformDeployer": {"PRIV", "XA", "ID"},
    "973518402756/github-actions-preview-envs": {"OIDC", "PUB", "ID"},
    "973518402756/partner-feed-ingest": {"OUT"},
    "973518402756/qa-engineer-access": {"PRIV", "XA"},
    "973518402756/qa-fixture-loader": {"OUT", "XA"},
    "973518402756/tessellate-contractor-access": {"ID"},
}


def test_demo_findings_match_the_sample_table(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    result = CliRunner().invoke(cli, ["demo", "--format", "json", "--output", str(out)], catch_exceptions=False)
    assert result.exit_code == 0
    document = json.loads(out.read_text())
    found: dict[str, set[str]] = {}
    for account in document["accounts"]:
        assert account["status"] == "scanned"
        for role in account["roles"]:
            found[f"{account['account_id']}/{role['name']}"] = set()
    for finding in document["findings"]:
        found[f"{finding['account_id']}/{finding['resource'].rsplit('/', 1)[-1]}"].add(finding["check"])
    expected = {role: {ABBREVIATIONS[a] for a in checks} for role, checks in EXPECTED.items()}
    assert found == expected
    assert len(found) == 45 and len(document["accounts"]) == 6
    assert document["organization"]["id"] == "o-a1b2c3d4e5"
    assert not document["errors"]
    roles = {f"{a['account_id']}/{r['name']}": r for a in document["accounts"] for r in a["roles"]}
    closed = roles["973518402756/tessellate-contractor-access"]["perimeter"]
    assert closed["status"] == "closes" and closed["closed_by"][0]["policy_name"] == "northwind-sts-perimeter"
    assert roles["862407391645/DatadogIntegrationRole"]["perimeter"]["status"] == "open-by-exception"
    assert roles["318406275193/CrowdStrikeCSPMReader"]["perimeter"]["status"] == "exempt"
    assert {p["name"] for p in document["organization"]["policies"]} >= {"northwind-sts-perimeter"}


def test_every_check_fires_in_the_demo_and_some_roles_pass() -> None:
    fired = {check for checks in EXPECTED.values() for check in checks}
    assert fired == set(ABBREVIATIONS)
    assert sum(1 for checks in EXPECTED.values() if not checks) >= 15


def _console(*args: str) -> str:
    result = CliRunner().invoke(cli, ["demo", *args], catch_exceptions=False)
    assert result.exit_code == 0
    return result.stdout


def test_demo_console_report_is_a_summary_and_the_most_severe_findings() -> None:
    out = _console()
    assert "45 roles in 6 accounts: 4 critical, 21 high, 29 medium, 6 low" in out
    # counted over every role, not only those with findings that the console's document keeps
    assert "data perimeter: 2 RCPs, 2 SCPs; roles: 1 closed, 5 open by exception, 34 enforced, 5 exempt" in out
    accounts = out[:out.index("Findings by check")]
    # named as the organisation file names them, the account with the most critical findings first
    assert accounts.index("973518402756 (northwind-staging)") < accounts.index("751396280534 (northwind-shared")
    assert accounts.index("751396280534 (northwind-shared") < accounts.index("318406275193 (northwind-management)")
    checks = out[out.index("Findings by check"):out.index("45 roles in 6 accounts")]
    assert "│ public-trust" in checks and "Role assumable by anyone" in checks  # the catalogue's title
    assert checks.index("critical") < checks.index("high") < checks.index("medium") < checks.index("low")
    assert "CRITICAL (4)" in out and "HIGH (6 of 21)" in out and "MEDIUM" not in out
    assert len(re.findall(r"^│ [a-z-]+  arn:aws:iam::", out, re.MULTILINE)) == 10  # a finding: its check and role
    assert out.rstrip().endswith("and 50 more findings: --details for all")
    assert len(out.splitlines()) < 70


def test_demo_details_print_every_finding() -> None:
    out = _console("--details")
    for severity, number in (("CRITICAL", 4), ("HIGH", 21), ("MEDIUM", 29), ("LOW", 6)):
        assert f"{severity} ({number})" in out
    assert "more findings" not in out
    assert "severity medium (catalogue: high; lowered:" in out


def test_demo_quiet_report_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "-q", "--format", "console,json", "--output-dir", str(tmp_path)],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == "45 roles in 6 accounts: 4 critical, 21 high, 29 medium, 6 low\n"
    assert result.stderr == ""  # neither progress nor the list of files written
    assert (tmp_path / "rolescope-report.json").exists()


def test_details_and_quiet_are_checked() -> None:
    for args, message in ((["--details", "--quiet"], "--details and --quiet exclude each other"),
                          (["--details", "--format", "json"], "--details is for the console report")):
        result = CliRunner().invoke(cli, ["demo", *args])
        assert result.exit_code == 2 and message in result.output
