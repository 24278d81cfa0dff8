"""One moto server and one fault proxy per test session; a small organisation built once in it.

Tests run rolescope as a subprocess, as a user would, with ``AWS_ENDPOINT_URL`` on the proxy, fake
credentials, and ``HOME``/``AWS_CONFIG_FILE``/``AWS_SHARED_CREDENTIALS_FILE`` in a temporary
directory. The organisation is read-only after it is built; each test resets the proxy (faults,
request log) instead of the server, because every new moto account loads the AWS managed policies
(about two seconds each).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.live.fakeaws import FaultProxy, MotoServer
from tests.process import rolescope_argv, under_test_env

MANAGEMENT = "210000000001"
OUTSIDER = "555566667777"
STRANGER = "444433332222"  # an outside account nobody excepts: the perimeter closes roles to it
EXTERNAL_ID = "rolescope-external-id-1234"
REGION = "us-east-1"
APP_ROLES = 11  # same-account roles in the management account: enough for several GAAD pages
PARTNER_ROLES = 24  # cross-account roles in prod: the calls an account costs must not grow with them


def partner_session(index: int) -> int:
    """The MaxSessionDuration of prod's ``Partner-NN`` role: 1 to 4 hours."""
    return 3600 * (1 + index % 4)


def trust(principal: dict[str, Any], condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@dataclass
class World:
    """The organisation: a management account (with the auditor user) and two members, prod holding many roles
    outside callers can assume."""

    url: str
    management: str
    prod: str
    dev: str
    org_id: str
    auditor: tuple[str, str]  # access key id, secret of an IAM user in the management account
    prod_user: tuple[str, str]  # an IAM user's keys in prod (to stand in for cached role credentials)
    keys: dict[str, str] = field(default_factory=dict)  # access key id -> account
    workloads_ou: str = ""  # dev's OU, where the RCP perimeter is attached

    def role(self, account: str, name: str) -> str:
        return f"arn:aws:iam::{account}:role/{name}"

    def client(self, service: str, keys: tuple[str, ...]) -> Any:
        token = keys[2] if len(keys) > 2 else None
        return boto3.client(service, endpoint_url=self.url, region_name=REGION, aws_access_key_id=keys[0],
                            aws_secret_access_key=keys[1], aws_session_token=token)

    def assume(self, account: str, name: str = "OrganizationAccountAccessRole") -> tuple[str, str, str]:
        issued = self.client("sts", self.auditor).assume_role(RoleArn=self.role(account, name),
                                                              RoleSessionName="setup")["Credentials"]
        return issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"]


def _user_keys(iam: Any, name: str) -> tuple[str, str]:
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def build_world(url: str) -> World:
    bootstrap = boto3.client("sts", endpoint_url=url, region_name=REGION, aws_access_key_id="AKIABOOTSTRAP0000000",
                             aws_secret_access_key="bootstrap")
    issued = bootstrap.assume_role(RoleArn=f"arn:aws:iam::{MANAGEMENT}:role/bootstrap",
                                   RoleSessionName="bootstrap")["Credentials"]
    admin = (issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
    iam = boto3.client("iam", endpoint_url=url, region_name=REGION, aws_access_key_id=admin[0],
                       aws_secret_access_key=admin[1], aws_session_token=admin[2])
    auditor = _user_keys(iam, "auditor")
    for index in range(APP_ROLES):
        iam.create_role(RoleName=f"app-{index:02d}", AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"}))
    iam.create_role(RoleName="PartnerRead", AssumeRolePolicyDocument=trust(
        {"AWS": f"arn:aws:iam::{OUTSIDER}:root"}, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    organizations = boto3.client("organizations", endpoint_url=url, region_name=REGION,
                                 aws_access_key_id=auditor[0], aws_secret_access_key=auditor[1])
    org_id = organizations.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    members = []
    for name in ("prod", "dev"):
        status = organizations.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        members.append(status["AccountId"])
    world = World(url, MANAGEMENT, members[0], members[1], org_id, auditor, ("", ""))
    audit_trust = trust({"AWS": f"arn:aws:iam::{MANAGEMENT}:root"}, {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}})
    prod = world.client("iam", world.assume(world.prod))
    prod.create_role(RoleName="RolescopeAudit", AssumeRolePolicyDocument=audit_trust, MaxSessionDuration=43200)
    prod.create_role(RoleName="VendorAdmin", AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{OUTSIDER}:root"}),
                     MaxSessionDuration=43200)
    prod.attach_role_policy(RoleName="VendorAdmin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    for index in range(PARTNER_ROLES):
        prod.create_role(RoleName=f"Partner-{index:02d}", MaxSessionDuration=partner_session(index),
                         AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{OUTSIDER}:root"},
                                                        {"StringEquals": {"sts:ExternalId": f"partner-{index:02d}"}}))
    world.prod_user = _user_keys(prod, "cached")
    dev = world.client("iam", world.assume(world.dev))
    dev.create_account_alias(AccountAlias="northwind-dev")
    dev.create_role(RoleName="RolescopeAudit", AssumeRolePolicyDocument=audit_trust)
    dev.create_role(RoleName="CiDeploy", MaxSessionDuration=7200, AssumeRolePolicyDocument=trust(
        {"AWS": f"arn:aws:iam::{OUTSIDER}:root"}, {"StringEquals": {"sts:ExternalId": "abc123"}}))
    policy = dev.create_policy(PolicyName="DeployEverything", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    dev.attach_role_policy(RoleName="CiDeploy", PolicyArn=policy["Policy"]["Arn"])
    dev.create_role(RoleName="ClosedToOutsiders",
                    AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{STRANGER}:root"}))
    _perimeter(organizations, world)
    world.keys = {auditor[0]: MANAGEMENT, world.prod_user[0]: world.prod}
    return world


def _perimeter(organizations: Any, world: World) -> None:
    """Issue 14's organisation: dev moves to an OU with an RCP perimeter (the organisation only, the outsider
    excepted as a vendor that must present an ExternalId), prod stays at the root without it, and an SCP at
    the root denies assuming roles outside the organisation."""
    root = organizations.list_roots()["Roots"][0]["Id"]
    unit = organizations.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
    organizations.move_account(AccountId=world.dev, SourceParentId=root, DestinationParentId=unit)
    world.workloads_ou = unit
    for name, kind, document, target in (
            ("sts-perimeter", "RESOURCE_CONTROL_POLICY", perimeter_rcp(world.org_id), unit),
            ("deny-outside-assume", "SERVICE_CONTROL_POLICY", OUTSIDE_ASSUME_SCP, root)):
        created = organizations.create_policy(Name=name, Type=kind, Description=name,
                                              Content=json.dumps(document))
        organizations.attach_policy(PolicyId=created["Policy"]["PolicySummary"]["Id"], TargetId=target)


def perimeter_rcp(org_id: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole*",
         "Resource": "*", "Condition": {
             "StringNotEqualsIfExists": {"aws:PrincipalOrgID": org_id, "aws:PrincipalAccount": [OUTSIDER]},
             "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}},
        {"Sid": "VendorNeedsExternalId", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
         "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": OUTSIDER},
                                        "Null": {"sts:ExternalId": "true"}}}]}


OUTSIDE_ASSUME_SCP = {"Version": "2012-10-17", "Statement": [
    {"Sid": "NoAssumeOutsideOrg", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
     "Condition": {"StringNotEqualsIfExists": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}}}]}


@pytest.fixture(scope="session")
def world(moto_server: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> World:
    with pytest.MonkeyPatch.context() as patch:  # the developer's own AWS settings play no part
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            patch.delenv(name)
        empty = tmp_path_factory.mktemp("no-aws-config")
        patch.setenv("AWS_CONFIG_FILE", str(empty / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
        return build_world(moto_server.url)


@pytest.fixture(scope="session")
def session_proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    proxy = FaultProxy(moto_server.port)
    yield proxy
    proxy.stop()


@pytest.fixture
def proxy(session_proxy: FaultProxy, world: World) -> FaultProxy:
    """The proxy with no faults, no pagination and an empty request log."""
    session_proxy.reset(world.keys)
    return session_proxy


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Rolescope:
    """Runs ``rolescope`` as a user would: a subprocess, its own HOME and AWS config, the proxy as AWS."""

    def __init__(self, home: Path, proxy: FaultProxy, world: World) -> None:
        self.home = home
        self.world = world
        self.aws = home / ".aws"
        self.aws.mkdir(parents=True, exist_ok=True)
        self.config_file = self.aws / "config"
        self.credentials_file = self.aws / "credentials"
        self.config_file.write_text("")
        self.credentials_file.write_text(
            f"[base]\naws_access_key_id = {world.auditor[0]}\naws_secret_access_key = {world.auditor[1]}\n")
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "AWS_CONFIG_FILE": str(self.config_file),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_file),
            "AWS_ENDPOINT_URL": proxy.url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",  # never look for an instance role off this machine
            "NO_PROXY": "127.0.0.1",
            "COLUMNS": "200",
        }

    def configure(self, text: str) -> None:
        self.config_file.write_text(text)

    @property
    def cache(self) -> Path:
        return self.home / ".aws" / "cli" / "cache"

    def __call__(self, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> Result:
        process = subprocess.run(
            rolescope_argv(*args), input=stdin, capture_output=True, text=True,
            env=under_test_env({**self.env, **(env or {})}), timeout=120,
            start_new_session=True,  # no terminal: prompts read stdin
        )
        assert "Traceback" not in process.stderr, process.stderr
        return Result(process.returncode, process.stdout, process.stderr)


@pytest.fixture
def rolescope(tmp_path: Path, proxy: FaultProxy, world: World) -> Rolescope:
    return Rolescope(tmp_path / "home", proxy, world)
