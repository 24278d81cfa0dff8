"""The issue-14 organisation: an RCP perimeter on one OU (org-only, a vendor exception with an
ExternalId), an OU without it, and an SCP that denies assuming roles outside the organisation."""

from __future__ import annotations

import json
from typing import Any

from rolescope.inventory.model import OrgAccount, Organization
from rolescope.inventory.org_policies import parse_organization_policies

ORG_ID = "o-exampleorg1"
ROOT = "r-ab12"
PROD_OU = "ou-ab12-prod0001"
SANDBOX_OU = "ou-ab12-sand0001"
MANAGEMENT = "111100000000"
PROD = "111122223333"
SANDBOX = "444455556666"
VENDOR = "999988887777"
OUTSIDER = "777788889999"
RCP_ID = "p-rcpperim01"
SCP_ID = "p-scpdeny001"

RCP: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole*",
         "Resource": "*",
         "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID, "aws:PrincipalAccount": [VENDOR],
                                                   "aws:ResourceTag/dp:exclude:identity": "true"},
                       "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}},
        {"Sid": "VendorNeedsExternalId", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
         "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalAccount": VENDOR}, "Null": {"sts:ExternalId": "true"}}},
    ],
}
SCP: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "NoAssumeOutsideOrg", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
         "Condition": {"StringNotEqualsIfExists": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}}},
    ],
}
FULL_ACCESS: dict[str, Any] = {"Version": "2012-10-17",
                               "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
RCP_FULL_ACCESS: dict[str, Any] = {"Version": "2012-10-17",
                                   "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
EVERY_LEVEL = [ROOT, PROD_OU, SANDBOX_OU, MANAGEMENT, PROD, SANDBOX]


def _policy(policy_id: str, name: str, kind: str, document: dict[str, Any], targets: list[str],
            aws_managed: bool = False) -> dict[str, Any]:
    return {"PolicySummary": {"Id": policy_id, "Name": name, "Type": kind, "AwsManaged": aws_managed},
            "Content": json.dumps(document), "Targets": [{"TargetId": t} for t in targets]}


def policies_file(rcp_targets: tuple[str, ...] = (PROD_OU,), scp: bool = True) -> dict[str, Any]:
    """``organization-policies.json`` for the organisation."""
    policies = [
        _policy("p-RCPFullAWSAccess", "RCPFullAWSAccess", "RESOURCE_CONTROL_POLICY", RCP_FULL_ACCESS, EVERY_LEVEL,
                True),
        _policy(RCP_ID, "sts-perimeter", "RESOURCE_CONTROL_POLICY", RCP, list(rcp_targets)),
        _policy("p-FullAWSAccess", "FullAWSAccess", "SERVICE_CONTROL_POLICY", FULL_ACCESS, EVERY_LEVEL, True),
    ]
    if scp:
        policies.append(_policy(SCP_ID, "deny-outside-assume", "SERVICE_CONTROL_POLICY", SCP, [ROOT]))
    return {
        "Roots": [{"Id": ROOT, "Name": "Root"}],
        "OrganizationalUnits": [{"Id": PROD_OU, "Name": "Prod", "ParentId": ROOT},
                                {"Id": SANDBOX_OU, "Name": "Sandbox", "ParentId": ROOT}],
        "Parents": {MANAGEMENT: ROOT, PROD: PROD_OU, SANDBOX: SANDBOX_OU},
        "Policies": policies,
    }


def organization(**kind: Any) -> Organization:
    """The organisation, members and policies together (what a scan merges from its files)."""
    tree = parse_organization_policies(policies_file(**kind))
    accounts = tuple(OrgAccount(a) for a in (MANAGEMENT, PROD, SANDBOX))
    return Organization(ORG_ID, MANAGEMENT, accounts, tree.root_id, tree.units, tree.account_parents, tree.policies)
