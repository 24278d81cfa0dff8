"""The access queries' test world as GAAD files: the README's seed scenario (its example exports are
docs/examples/cross-account-admin) grown with what the queries must also get right: a CI role reaching
a third account through a Deploy role that requires an ExternalId, and a developer whose identity policy
allows only one role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.factories import ACCOUNT, MEMBER, allow, gaad, organization, role, trust, user

TRUSTED, TRUSTING, THIRD = ACCOUNT, MEMBER, "222233334444"
EXTERNAL_ID = "ci-7Hq2-deploy-key"


def arn(account: str, name: str, kind: str = "role") -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def assume_on(*resources: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Resource": list(resources)}]}


ADMIN, DEV, CI = arn(TRUSTED, "admin", "user"), arn(TRUSTED, "dev", "user"), arn(TRUSTED, "ci")
CROSS_ADMIN = arn(TRUSTING, "CrossAccountAdminRole")
READ_ONLY, DEPLOY = arn(TRUSTING, "ReadOnly"), arn(TRUSTING, "Deploy")
VAULT = arn(THIRD, "Vault")
EC2 = trust(allow({"Service": "ec2.amazonaws.com"}))
ROOT = f"arn:aws:iam::{TRUSTED}:root"


def accounts() -> dict[str, dict[str, Any]]:
    """Each account's GAAD export, by account id."""
    return {
        TRUSTED: gaad(role("ci", EC2, TRUSTED, inline={"deploy": assume_on(DEPLOY)}),
                      users=[user("admin", TRUSTED, managed=("AdministratorAccess",)),
                             user("dev", TRUSTED, inline={"read": assume_on(READ_ONLY)})]),
        TRUSTING: gaad(
            role("CrossAccountAdminRole", trust(allow({"AWS": ROOT}, sid="AdminsWithMfa", condition={
                "Bool": {"aws:MultiFactorAuthPresent": "true"}})), TRUSTING, managed=("AdministratorAccess",)),
            role("ReadOnly", trust(allow({"AWS": ROOT})), TRUSTING),
            role("Deploy", trust(allow({"AWS": ROOT}, sid="CiWithExternalId", condition={
                "StringEquals": {"sts:ExternalId": EXTERNAL_ID}})), TRUSTING, inline={"vault": assume_on(VAULT)}),
        ),
        THIRD: gaad(role("Vault", trust(allow({"AWS": f"arn:aws:iam::{TRUSTING}:root"})), THIRD)),
    }


def write_world(directory: Path) -> Path:
    """The exports and the organisation listing in ``directory``; returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    for account, data in accounts().items():
        (directory / f"{account}.json").write_text(json.dumps(data))
    (directory / "org.json").write_text(json.dumps(organization(TRUSTED, TRUSTING, THIRD)))
    return directory
