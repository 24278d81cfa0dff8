"""who-can-assume, can-assume and path on an organisation scanned live from moto's server.

The management account (moto's default, 123456789012) holds an admin user, a developer allowed one
role, and a CI role; prod holds a CrossAccountAdminRole that requires MFA, a ReadOnly role, and a
Deploy role that requires an ExternalId and may assume the Vault role of a third account, which
trusts prod. The organisation is built once, scanned once (live, through rolescope's own collection)
and every test reads that scan document: the server is the one the remediation tests reset, so
nothing is asked of it after the module's fixture.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.live.fakeaws import MotoServers
from tests.process import rolescope_argv, under_test_env

MANAGEMENT = "123456789012"  # the account moto gives the keys "testing"
EXTERNAL_ID = "deploy-7Hq2-c4f9-key"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@dataclass(frozen=True)
class Org:
    prod: str
    vault: str
    document: Path
    exports: Path
    env: dict[str, str]

    def arn(self, account: str, name: str, kind: str = "role") -> str:
        return f"arn:aws:iam::{account}:{kind}/{name}"


def _policy(*resources: str, action: str = "sts:AssumeRole") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action,
                                                               "Resource": list(resources)}]})


def _trust(principal: str, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _build(url: str) -> tuple[str, str]:
    def iam(account: str | None = None) -> Any:
        if account is None:
            return boto3.client("iam", endpoint_url=url, **KEYS)
        issued = boto3.client("sts", endpoint_url=url, **KEYS).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="setup")
        creds = issued["Credentials"]
        return boto3.client("iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                            aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])

    organizations = boto3.client("organizations", endpoint_url=url, **KEYS)
    organizations.create_organization(FeatureSet="ALL")
    prod, vault = (organizations.create_account(Email=f"{n}@example.com", AccountName=n)["CreateAccountStatus"]
                   ["AccountId"] for n in ("prod", "vault"))
    root = f"arn:aws:iam::{MANAGEMENT}:root"
    management = iam()
    management.create_user(UserName="admin")
    # inline: moto's GAAD leaves out a customer-managed policy's name (the fault proxy adds it back elsewhere)
    management.put_user_policy(UserName="admin", PolicyName="admin", PolicyDocument=_policy("*", action="*"))
    management.create_user(UserName="dev")
    management.put_user_policy(UserName="dev", PolicyName="read",
                               PolicyDocument=_policy(f"arn:aws:iam::{prod}:role/ReadOnly"))
    management.create_role(RoleName="ci", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    management.put_role_policy(RoleName="ci", PolicyName="deploy",
                               PolicyDocument=_policy(f"arn:aws:iam::{prod}:role/Deploy"))
    members = iam(prod)
    members.create_role(RoleName="CrossAccountAdminRole", AssumeRolePolicyDocument=_trust(
        root, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    members.create_role(RoleName="ReadOnly", AssumeRolePolicyDocument=_trust(root))
    members.create_role(RoleName="Deploy", AssumeRolePolicyDocument=_trust(
        root, {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}))
    members.put_role_policy(RoleName="Deploy", PolicyName="vault",
                            PolicyDocument=_policy(f"arn:aws:iam::{vault}:role/Vault"))
    iam(vault).create_role(RoleName="Vault", AssumeRolePolicyDocument=_trust(f"arn:aws:iam::{prod}:root"))
    return prod, vault


@pytest.fixture(scope="module")
def org(moto_servers: MotoServers, tmp_path_factory: pytest.TempPathFactory) -> Org:
    url = moto_servers.get(managed_policies=False).url
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    opener.open(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).close()
    home = tmp_path_factory.mktemp("access-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_ENDPOINT_URL=url, HOME=str(home), AWS_CONFIG_FILE=str(home / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"), AWS_EC2_METADATA_DISABLED="true",
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    with pytest.MonkeyPatch.context() as patch:  # boto3 in this process: moto, not the developer's AWS
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            patch.delenv(name)
        for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "NO_PROXY"):
            patch.setenv(name, env[name])
        prod, vault = _build(url)
    document = home / "scan.json"
    scanned = _run(env, "scan", "--organization", "--role-name", "OrganizationAccountAccessRole", "--format", "json",
                   "--output", str(document))
    assert scanned.returncode in (0, 1) and document.exists(), scanned.stderr
    exports = home / "exports"
    exported = _run(env, "export", "--out", str(exports), "--organization", "--role-name",
                    "OrganizationAccountAccessRole")
    assert exported.returncode == 0, exported.stderr
    return Org(prod, vault, document, exports, env)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(rolescope_argv(*args), capture_output=True, text=True, env=under_test_env(env), timeout=120,
                          start_new_session=True)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def ask(org: Org, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(org.env, *args, "--scan", str(org.document))


def answers(org: Org, *args: str) -> dict[str, Any]:
    done = ask(org, *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_who_can_assume_the_admin_role_needs_mfa(org: Org) -> None:
    found = answers(org, "who-can-assume", org.arn(org.prod, "CrossAccountAdminRole"), "--expand")
    by_id = {a["principal"]["id"]: a for a in found["answers"]}
    admin = by_id[org.arn(MANAGEMENT, "admin", "user")]
    assert admin["assumptions"] == 1 and admin["requires"] == ["mfa"] and admin["cross_account"]
    assert org.arn(MANAGEMENT, "dev", "user") not in by_id  # its identity policy names ReadOnly only
    assert org.arn(MANAGEMENT, "ci") not in by_id


def test_a_two_hop_chain_through_a_role_that_requires_an_external_id(org: Org) -> None:
    vault = org.arn(org.vault, "Vault")
    found = answers(org, "who-can-assume", vault)
    ci = next(a for a in found["answers"] if a["principal"]["id"] == org.arn(MANAGEMENT, "ci"))
    assert ci["assumptions"] == 2 and ci["requires"] == ["external_id"]
    assert [h["target"] for h in ci["chain"]] == [org.arn(org.prod, "Deploy"), vault]
    assert ci["chain"][0]["values"] == {"sts:externalid": [EXTERNAL_ID]}
    direct = answers(org, "who-can-assume", vault, "--direct")
    assert org.arn(org.prod, "Deploy") in {a["principal"]["id"] for a in direct["answers"]}
    assert all(a["assumptions"] == 1 for a in direct["answers"])


def test_can_assume_lists_every_role_reached(org: Org) -> None:
    found = answers(org, "can-assume", org.arn(MANAGEMENT, "ci"), "--cross-account-only")
    assert {a["role"]["id"]: a["assumptions"] for a in found["answers"]} == {
        org.arn(org.prod, "Deploy"): 1, org.arn(org.vault, "Vault"): 2}
    dev = answers(org, "can-assume", org.arn(MANAGEMENT, "dev", "user"))
    assert [a["role"]["id"] for a in dev["answers"]] == [org.arn(org.prod, "ReadOnly")]


def test_path_explains_the_missing_identity_permission(org: Org) -> None:
    done = ask(org, "path", org.arn(MANAGEMENT, "dev", "user"), org.arn(org.prod, "CrossAccountAdminRole"))
    assert done.returncode == 0, done.stderr
    assert f"trust admits account {MANAGEMENT}" in done.stdout
    assert "no identity policy of user dev" in done.stdout and "it may assume role ReadOnly" in done.stdout
    chain = ask(org, "path", org.arn(MANAGEMENT, "admin", "user"), org.arn(org.vault, "Vault"), "--fail-if-any")
    assert chain.returncode == 1  # a CI guard: a chain exists
    assert "can end up in role Vault" in chain.stdout and "assumptions" in chain.stdout


def test_the_identity_check_reports_the_admin_user_raised(org: Org) -> None:
    document = json.loads(org.document.read_text())
    found = {f["resource"]: f for f in document["findings"] if f["check"] == "identity-assume-any-role"}
    admin = found[org.arn(MANAGEMENT, "admin", "user")]
    assert admin["severity"] == "high" and admin["severity_override"]["default"] == "medium"
    assert org.arn(MANAGEMENT, "dev", "user") not in found  # names a role inside the organisation


def test_the_exports_answer_as_the_scan_does(org: Org) -> None:
    question = ("who-can-assume", org.arn(org.prod, "CrossAccountAdminRole"), "--expand", "--format", "json")
    offline = _run(org.env, *question, "--from", str(org.exports))
    assert offline.returncode == 0, offline.stderr
    assert json.loads(offline.stdout) == answers(org, *question[:-2])
    # the users came with the export: GAAD is read with its users and groups
    exported = json.loads((org.exports / f"{MANAGEMENT}.json").read_text())
    assert {u["UserName"] for u in exported["UserDetailList"]} == {"admin", "dev"}
