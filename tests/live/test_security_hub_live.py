"""``--security-hub`` against moto's Security Hub (BatchImportFindings and GetFindings; moto ignores the filters)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
from click.testing import CliRunner
from tests.conftest import MotoServers

from rolescope.cli.main import cli

ACCOUNT = "973518402756"  # a sample organisation account with findings
REGION = "eu-west-1"


def account_keys(url: str, account: str) -> dict[str, str]:
    """Credentials of ``account`` on the moto server (moto's STS issues them for any role ARN)."""
    sts = boto3.client("sts", endpoint_url=url, region_name=REGION, aws_access_key_id="AKIABOOTSTRAP0000000",
                       aws_secret_access_key="bootstrap")
    role = f"arn:aws:iam::{account}:role/hub-writer"
    issued = sts.assume_role(RoleArn=role, RoleSessionName="hub-test")["Credentials"]
    return {"AWS_ACCESS_KEY_ID": issued["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": issued["SecretAccessKey"],
            "AWS_SESSION_TOKEN": issued["SessionToken"], "AWS_ENDPOINT_URL": url, "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}


def hub_findings(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    client = boto3.client("securityhub", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=REGION,
                          aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_session_token=env["AWS_SESSION_TOKEN"],
                          aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    found: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("get_findings").paginate():
        found.update({f["Id"]: f for f in page["Findings"]})
    return found


def test_demo_findings_imported_updated_then_archived(moto_servers: MotoServers, tmp_path: Path) -> None:
    url = moto_servers.get(managed_policies=False).url
    env = account_keys(url, ACCOUNT)
    report = tmp_path / "scan.json"
    first = CliRunner().invoke(cli, ["demo", "-q", "--security-hub", "--format", "json", "--output", str(report)],
                               env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.stderr
    ours = {"rolescope/" + f["id"] for f in json.loads(report.read_text())["findings"] if f["account_id"] == ACCOUNT}
    assert f"Security Hub ({REGION}, account {ACCOUNT}): {len(ours)} findings imported, 0 archived, 0 failed" in (
        first.stderr)
    assert "findings of 5 other accounts not sent" in first.stderr
    stored = hub_findings(env)
    assert set(stored) == ours
    assert {f["ProductArn"] for f in stored.values()} == {
        f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"}
    # sent beside a JSON report, the findings still carry their role, as the asff format writes them
    roles = [f["Resources"][0] for f in stored.values() if f["Resources"][0]["Type"] == "AwsIamRole"]
    assert roles and all("AssumeRolePolicyDocument" in r["Details"]["AwsIamRole"] for r in roles)

    # the same scan again: the same findings, updated in place
    again = CliRunner().invoke(cli, ["demo", "-q", "--security-hub"], env=env, catch_exceptions=False)
    assert again.exit_code == 0 and f"{len(ours)} findings imported, 0 archived" in again.stderr
    assert set(hub_findings(env)) == ours

    # a scan with the cross-account check alone: the findings of other checks are not its to archive;
    # its own are gone once the scan looks only at public trust, which that account does not have
    narrowed = CliRunner().invoke(cli, ["demo", "-q", "--security-hub", "--check", "public-trust"], env=env,
                                  catch_exceptions=False)
    assert narrowed.exit_code == 0, narrowed.stderr
    assert all(f["RecordState"] == "ACTIVE" for f in hub_findings(env).values())


def test_a_finding_no_longer_made_is_archived(moto_servers: MotoServers) -> None:
    url = moto_servers.get(managed_policies=False).url
    account = "640285179423"  # two of its roles are cross-account and unused; its findings are this test's own
    env = account_keys(url, account)
    first = CliRunner().invoke(cli, ["demo", "-q", "--security-hub"], env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.stderr
    unused = {k for k, f in hub_findings(env).items()
              if f["AwsAccountId"] == account and f["GeneratorId"] == "rolescope/unused-cross-account-role"}
    assert len(unused) == 2
    # unused for ten years before it counts: the check still runs, and no longer finds them
    later = CliRunner().invoke(cli, ["demo", "-q", "--security-hub", "--unused-days", "3650"], env=env,
                               catch_exceptions=False)
    assert later.exit_code == 0 and ", 2 archived, 0 failed" in later.stderr
    stored = {k: f for k, f in hub_findings(env).items() if f["AwsAccountId"] == account}
    assert {k for k, f in stored.items() if f["RecordState"] == "ARCHIVED"} == unused
    assert len(stored) > len(unused)


def test_an_unreachable_security_hub_is_one_line_and_exit_3() -> None:
    env = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "AKIANOWHERE000000000",
           "AWS_SECRET_ACCESS_KEY": "x", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
           "AWS_MAX_ATTEMPTS": "1"}
    result = CliRunner().invoke(cli, ["demo", "-q", "--security-hub"], env=env)
    assert result.exit_code == 3
    assert result.stderr.startswith("rolescope: error: --security-hub: EndpointConnectionError")
    assert len(result.stderr.splitlines()) == 1
