"""The **perimeter** option: an organisation whose roles sit behind AWS's data-perimeter RCPs.

``organization-policies.json`` (what ``rolescope`` reads beside ``organization.json``) attaches, at the
root, ``RCPFullAWSAccess`` and the two RCP statements of AWS's data-perimeter examples that bear on
``sts:AssumeRole*``: identities from outside the organisation are denied (the vendors the shape's
roles trust excepted, roles tagged ``dp:exclude:identity`` left out, AWS services let through), and
services acting for someone outside the organisation are denied (confused-deputy protection). Every
role of a member account but the service-linked ones is then judged with its trust policy *and* the
RCPs: an organisation of this kind costs a scan more than one without them, which the benchmark shows.
"""

from __future__ import annotations

import json

from bench.accounts import VENDORS, Json, Org

ROOT_ID = "r-bn7q"
POLICIES_FILE = "organization-policies.json"


def _rcps(org_id: str) -> Json:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole*",
             "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": org_id,
                                                       "aws:PrincipalAccount": [v for v, _ in VENDORS],
                                                       "aws:ResourceTag/dp:exclude:identity": "true"},
                           "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}},
            {"Sid": "EnforceConfusedDeputyProtection", "Effect": "Deny", "Principal": "*",
             "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"], "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"aws:SourceOrgID": org_id,
                                                       "aws:ResourceTag/dp:exclude:confused-deputy": "true"},
                           "Null": {"aws:SourceAccount": "false"},
                           "Bool": {"aws:PrincipalIsAWSService": "true"}}},
        ],
    }


def perimeter_file(org: Org) -> Json:
    """``organization-policies.json`` for ``org``: its accounts under the root, the RCPs attached there."""
    full_access = {"Version": "2012-10-17",
                   "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
    return {
        "Roots": [{"Id": ROOT_ID, "Name": "Root"}],
        "OrganizationalUnits": [],
        "Parents": {a.account_id: ROOT_ID for a in org.accounts},
        "Policies": [
            {"PolicySummary": {"Id": "p-RCPFullAWSAccess", "Name": "RCPFullAWSAccess",
                               "Type": "RESOURCE_CONTROL_POLICY", "AwsManaged": True},
             "Content": json.dumps(full_access), "Targets": [{"TargetId": ROOT_ID}]},
            {"PolicySummary": {"Id": "p-dpidentity1", "Name": "data-perimeter-identity",
                               "Type": "RESOURCE_CONTROL_POLICY", "AwsManaged": False},
             "Content": json.dumps(_rcps(org.org_id)), "Targets": [{"TargetId": ROOT_ID}]},
        ],
    }
