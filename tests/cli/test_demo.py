"""``rolescope demo``: the bundled sample organisation and the findings each of its roles must produce.

The table is the sample's README table (src/rolescope/data/sample_org/README.md), written down
independently of the engine; GitHub trusts without a pinned subject are also public (any repository).
"""

from __future__ import annotations

import json
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
    "GAP": "rcp-perimeter-gap",
}
# The sample's RCP perimeter (organization-policies.json, attached at the root, Datadog and CrowdStrike
# excepted) changed these verdicts on purpose: the former contractor's role is closed (it had XA, PRIV, OUT,
# LONG and UNUSED), the two "*" roles are no longer public but still admit the excepted vendors (OUT instead
# of PUB), and the management account, which RCPs never cover, is the perimeter's one gap.
EXPECTED: dict[str, set[str]] = {
    "318406275193/AWSReservedSSO_AdministratorAccess_7c1e4b9f2a6d3e80": set(),
    "318406275193/CloudTrail_CloudWatchLogs_Role": {"SVC"},
    "318406275193/CrowdStrikeCSPMReader": {"GAP", "OUT", "WEAK"},
    "318406275193/NorthwindAuditReadOnly": {"XA"},
    "318406275193/OktaFinanceReadOnly": {"SAML"},
    "529174068312/AWSReservedSSO_SecurityAuditor_5a9e3c7b1d0f4e62": set(),
    "529174068312/IncidentResponder": {"LONG", "PRIV"},
    "529174068312/OrganizationAccountAccessRole": {"PRIV", "UNUSED", "XA"},
    "529174068312/audit-orchestrator": set(),
    "529174068312/aws-config-role": set(),
    "529174068312/security-findings-ingest": {"XA"},
    "640285179423/CrowdStrikeCSPMReader": {"OUT", "UNUSED", "WEAK"},
    "640285179423/NorthwindAuditReadOnly": {"XA"},
    "640285179423/OrganizationAccountAccessRole": {"PRIV", "UNUSED", "XA"},
    "640285179423/log-archive-athena-reader": {"XA"},
    "751396280534/AWSReservedSSO_PlatformEngineer_9d3b6f1a8c2e5047": set(),
    "751396280534/NorthwindAuditReadOnly": {"XA"},
    "751396280534/OrganizationAccountAccessRole": {"PRIV", "XA"},
    "751396280534/atlantis-runner": set(),
    "751396280534/github-actions-ecr-push": set(),
    "751396280534/github-actions-legacy-deploy": {"OIDC", "PUB"},
    "751396280534/jenkins-build-agent": set(),
    "862407391645/AWSReservedSSO_ReadOnlyAccess_4e8a2c6f0b9d1a73": set(),
    "862407391645/BreakGlassAdmin": {"PRIV", "UNUSED"},
    "862407391645/DataEngineerAccess": {"DEL"},
    "862407391645/DatadogIntegrationRole": {"OUT"},
    "862407391645/NorthwindAuditReadOnly": set(),
    "862407391645/OktaDataAnalyst": set(),
    "862407391645/OnCallReadOnly": set(),
    "862407391645/OrganizationAccountAccessRole": {"PRIV", "XA"},
    "862407391645/SupportCaseManager": set(),
    "862407391645/TerraformDeployer": {"PRIV"},
    "862407391645/orders-processor": set(),
    "862407391645/payments-api": set(),
    "862407391645/sns-sms-delivery-status": set(),
    "973518402756/AWSBackupDefaultServiceRole": {"SVC"},
    "973518402756/DatadogIntegrationRole": {"OUT", "WEAK", "XA"},
    "973518402756/NorthwindAuditReadOnly": set(),
    "973518402756/OrganizationAccountAccessRole": {"PRIV", "XA"},
    "973518402756/TerraformDeployer": {"PRIV", "XA"},
    "973518402756/github-actions-preview-envs": {"OIDC", "PUB"},
    "973518402756/partner-feed-ingest": {"OUT"},
    "973518402756/qa-engineer-access": {"PRIV", "XA"},
    "973518402756/qa-fixture-loader": {"OUT", "XA"},
    "973518402756/tessellate-contractor-access": set(),
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


def test_demo_console_report() -> None:
    result = CliRunner().invoke(cli, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "45 roles in 6 accounts" in result.stdout
    for severity in ("CRITICAL", "HIGH", "MEDIUM", "LOW"):
        assert severity in result.stdout
