"""The **perimeter** option: an organisation whose roles sit behind AWS's data-perimeter RCPs.

``organization-policies.json`` (what ``rolescope`` reads beside ``organization.json``) attaches, at the
root, ``RCPFullAWSAccess`` and the identity-perimeter RCP of AWS's data-perimeter examples, as it
bears on roles: ``sts:AssumeRole`` by identities from outside the organisation is denied (the vendors
the shape's roles trust excepted, roles tagged ``dp:exclude:identity`` left out, AWS services let
through); GitHub tokens from outside the organisation's GitHub owner are denied
(``AssumeRoleWithWebIdentity``); services acting for someone outside the organisation are denied
(confused-deputy protection). The example's statement that lists every trusted OIDC provider is left
out: the shape's EKS clusters each have their own. Every role of a member account but the
service-linked ones is then judged with its trust policy *and* the RCPs: an organisation of this kind
costs a scan more than one without them, which the benchmark shows.
"""

from __future__ import annotations

import json

from bench.accounts import VENDORS, Json, Org

ROOT_ID = "r-bn7q"
POLICIES_FILE = "organization-policies.json"


def _rcps(org: Org) -> Json:
    vendors = [v for v, _ in VENDORS]
    excluded = {"aws:ResourceTag/dp:exclude:identity": "true"}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*",
             "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:AssumeRole",
                        "sts:DecodeAuthorizationMessage", "sts:GetAccessKeyInfo", "sts:GetFederationToken",
                        "sts:GetServiceBearerToken", "sts:GetSessionToken", "sts:SetContext"],
             "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": org.org_id,
                                                       "aws:PrincipalAccount": vendors, **excluded},
                           "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}},
            {"Sid": "EnforceTrustedOIDCTenants", "Effect": "Deny", "Principal": "*",
             "Action": "sts:AssumeRoleWithWebIdentity", "Resource": "*",
             "Condition": {"StringNotLikeIfExists": {"token.actions.githubusercontent.com:sub":
                                                     f"repo:{org.github_org}/*", **excluded},
                           "Null": {"token.actions.githubusercontent.com:sub": "false"}}},
            {"Sid": "EnforceConfusedDeputyProtection", "Effect": "Deny", "Principal": "*",
             "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"], "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"aws:SourceOrgID": org.org_id,
                                                       "aws:SourceAccount": vendors, **excluded},
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
             "Content": json.dumps(_rcps(org)), "Targets": [{"TargetId": ROOT_ID}]},
        ],
    }
