"""The audit role rolescope itself needs, as CloudFormation, a CloudFormation StackSet, or Terraform.

Read-only: the AWS managed ``SecurityAudit`` policy plus an inline policy naming exactly the calls
collection makes, so the role keeps working if ``SecurityAudit`` changes. It trusts one auditor
principal and requires an ExternalId (and, on request, MFA). Every variant is built from the same
:class:`AuditRole`, and :func:`trust_policy` is what each of them deploys.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from rolescope.checks.weak_external_id import default_minimum
from rolescope.policy.errors import PolicyError
from rolescope.policy.model import PrincipalKind, PrincipalType
from rolescope.policy.parse import read_principal
from rolescope.remediate import hcl
from rolescope.remediate.errors import RemediationError
from rolescope.remediate.fixers import check_external_id

COLLECTION_ACTIONS = (
    "iam:GetAccountAuthorizationDetails",
    "iam:ListAccountAliases",
    "iam:ListRoles",
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListRoots",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListChildren",
    "organizations:ListPolicies",
    "organizations:DescribePolicy",
    "organizations:ListTargetsForPolicy",
)
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
OU_ID = re.compile(r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
DESCRIPTION = "rolescope audit role: read-only (SecurityAudit and the calls rolescope makes), assumed by the auditor"
AUDITOR_PATTERN = r"^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)/[\w+=,.@/-]+))$"


class TemplateError(RemediationError):
    """Template options that would not make a working, safe audit role."""


@dataclass(frozen=True, slots=True)
class AuditRole:
    """What the audit role looks like.

    Attributes:
        auditor: who may assume it: an account id, or (better) the ARN of the role or user rolescope runs as.
        external_id: the ExternalId the auditor must send (``-I`` of ``rolescope scan``).
        mfa: also require MFA (for a person running rolescope with ``--mfa``).
        max_session_duration: the role's MaxSessionDuration, 3600-43200 s.
        role_name: the role's name in every account.
    """

    auditor: str
    external_id: str
    mfa: bool = False
    max_session_duration: int = 3600
    role_name: str = "RolescopeAudit"

    def validate(self) -> list[str]:
        """Check every field; returns warnings a person should read.

        Raises:
            TemplateError: a value AWS or rolescope's own checks would reject.
        """
        try:
            principal = read_principal(PrincipalType.AWS, self.auditor, PolicyError)
        except PolicyError as error:
            raise TemplateError(f"--auditor: {error}") from None
        if principal.kind not in (PrincipalKind.ACCOUNT, PrincipalKind.ROLE, PrincipalKind.USER):
            raise TemplateError("--auditor: an account id, or the ARN of the role or user rolescope runs as")
        try:
            check_external_id(self.external_id)
        except RemediationError as error:
            raise TemplateError(str(error)) from None
        if not 3600 <= self.max_session_duration <= 43200:
            raise TemplateError("--max-session-duration: 3600 to 43200 seconds")
        if not ROLE_NAME.match(self.role_name):
            raise TemplateError("--role-name: 1 to 64 letters, digits and +=,.@_-")
        if principal.kind is PrincipalKind.ACCOUNT:
            return [f"--auditor {self.auditor} trusts every principal of that account that its own IAM policies "
                    "allow; name the role rolescope runs as instead (arn:aws:iam::ID:role/NAME)"]
        return []


def trust_policy(role: AuditRole) -> dict[str, Any]:
    """The audit role's trust policy, as every template deploys it."""
    condition: dict[str, Any] = {"StringEquals": {"sts:ExternalId": role.external_id}}
    if role.mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "RolescopeAuditor", "Effect": "Allow", "Principal": {"AWS": role.auditor},
        "Action": "sts:AssumeRole", "Condition": condition}]}


def collection_policy() -> dict[str, Any]:
    """The inline policy: exactly the calls collection makes beyond SecurityAudit's guarantee."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "RolescopeCollection", "Effect": "Allow", "Action": list(COLLECTION_ACTIONS), "Resource": "*"}]}


def cloudformation(role: AuditRole) -> dict[str, Any]:
    """A CloudFormation template for one account; the values are parameter defaults, overridable at deploy."""
    trust = trust_policy(role)
    statement = trust["Statement"][0]
    statement["Principal"] = {"AWS": {"Ref": "AuditorPrincipal"}}
    statement["Condition"]["StringEquals"] = {"sts:ExternalId": {"Ref": "ExternalId"}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": DESCRIPTION + (" with an ExternalId and MFA" if role.mfa else " with an ExternalId"),
        "Parameters": {
            "AuditorPrincipal": {"Type": "String", "Default": role.auditor, "AllowedPattern": AUDITOR_PATTERN,
                                 "Description": "The role or user rolescope runs as (or its account id)."},
            "ExternalId": {"Type": "String", "Default": role.external_id, "MinLength": default_minimum(),
                           "MaxLength": 1224,
                           "AllowedPattern": r"^[\w+=,.@:/-]+$",
                           "Description": "The ExternalId rolescope sends (rolescope scan -I)."},
            "RoleName": {"Type": "String", "Default": role.role_name, "AllowedPattern": r"^[\w+=,.@-]{1,64}$",
                         "Description": "The audit role's name (rolescope scan --role-name)."},
            "MaxSessionDuration": {"Type": "Number", "Default": role.max_session_duration, "MinValue": 3600,
                                   "MaxValue": 43200, "Description": "Longest session, in seconds."},
        },
        "Resources": {
            "AuditRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": {"Ref": "RoleName"},
                    "Description": DESCRIPTION,
                    "MaxSessionDuration": {"Ref": "MaxSessionDuration"},
                    "AssumeRolePolicyDocument": trust,
                    "ManagedPolicyArns": [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/SecurityAudit"}],
                    "Policies": [{"PolicyName": "RolescopeCollection", "PolicyDocument": collection_policy()}],
                    "Tags": [{"Key": "managed-by", "Value": "rolescope"}],
                },
            },
        },
        "Outputs": {
            "RoleArn": {"Description": "rolescope scan -R (or --role-name with --accounts/--organization)",
                        "Value": {"Fn::GetAtt": ["AuditRole", "Arn"]}},
        },
    }


def stackset(role: AuditRole, organizational_units: list[str], region: str = "us-east-1") -> dict[str, Any]:
    """A template whose StackSet deploys the audit role to every account of the organisational units.

    Service-managed permissions with automatic deployment: accounts that join an OU get the role,
    accounts that leave lose it. IAM is global, so one region is enough (more would collide on the
    role name). Run it from the management account or a delegated StackSets administrator; AWS does
    not deploy service-managed stack sets to the management account itself.

    Raises:
        TemplateError: no OU, a malformed OU id, or a malformed region.
    """
    if not organizational_units:
        raise TemplateError("--ou: name at least one organisational unit (ou-...) or the root (r-...)")
    for unit in organizational_units:
        if not OU_ID.match(unit):
            raise TemplateError(f"--ou {unit!r}: expected ou-xxxx-xxxxxxxx or r-xxxx")
    if not REGION.match(region):
        raise TemplateError(f"--region {region!r}: not a region name")
    inner = cloudformation(role)
    names = list(inner["Parameters"])
    parameters = {name: dict(inner["Parameters"][name]) for name in names}
    parameters["OrganizationalUnitIds"] = {
        "Type": "CommaDelimitedList", "Default": ",".join(organizational_units),
        "Description": "The organisational units whose accounts get the audit role."}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "rolescope audit role in every account of the organisational units (StackSet)",
        "Parameters": parameters,
        "Resources": {
            "AuditRoleStackSet": {
                "Type": "AWS::CloudFormation::StackSet",
                "Properties": {
                    "StackSetName": "rolescope-audit-role",
                    "Description": DESCRIPTION,
                    "PermissionModel": "SERVICE_MANAGED",
                    "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
                    "ManagedExecution": {"Active": True},
                    "Capabilities": ["CAPABILITY_NAMED_IAM"],
                    "OperationPreferences": {"FailureToleranceCount": 0, "MaxConcurrentPercentage": 25},
                    "Parameters": [{"ParameterKey": name, "ParameterValue": {"Ref": name}} for name in names],
                    "StackInstancesGroup": [{
                        "DeploymentTargets": {"OrganizationalUnitIds": {"Ref": "OrganizationalUnitIds"}},
                        "Regions": [region],
                    }],
                    "TemplateBody": json.dumps(inner, indent=2),
                },
            },
        },
    }


def render_cloudformation(template: dict[str, Any], output_format: str = "yaml") -> str:
    """The template as YAML (long-form intrinsic functions) or JSON."""
    if output_format == "json":
        return json.dumps(template, indent=2) + "\n"
    return yaml.safe_dump(template, sort_keys=False, width=100, allow_unicode=True)


def terraform(role: AuditRole) -> str:
    """The audit role as a Terraform module body (variables default to the given values)."""
    conditions = [("StringEquals", "sts:ExternalId", "[var.external_id]")]
    if role.mfa:
        conditions.append(("Bool", "aws:MultiFactorAuthPresent", '["true"]'))
    condition_blocks = "".join(
        f"\n    condition {{\n      test     = {hcl.string(test)}\n      variable = {hcl.string(variable)}\n"
        f"      values   = {values}\n    }}\n" for test, variable, values in conditions)
    minimum = default_minimum()
    return f"""# {DESCRIPTION}.
# Generated by rolescope; scan with: rolescope scan -R <role_arn output> -I <external_id>

variable "auditor_principal" {{
  description = "The role or user rolescope runs as (or its account id)."
  type        = string
  default     = {hcl.string(role.auditor)}
}}

variable "external_id" {{
  description = "The ExternalId rolescope sends (rolescope scan -I)."
  type        = string
  default     = {hcl.string(role.external_id)}

  validation {{
    condition     = length(var.external_id) >= {minimum} && can(regex("^[\\\\w+=,.@:/-]+$", var.external_id))
    error_message = "At least {minimum} characters of letters, digits and +=,.@:/-_."
  }}
}}

variable "role_name" {{
  description = "The audit role's name."
  type        = string
  default     = {hcl.string(role.role_name)}
}}

variable "max_session_duration" {{
  description = "Longest session, in seconds (3600-43200)."
  type        = number
  default     = {role.max_session_duration}
}}

data "aws_partition" "current" {{}}

data "aws_iam_policy_document" "rolescope_trust" {{
  statement {{
    sid     = "RolescopeAuditor"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {{
      type        = "AWS"
      identifiers = [var.auditor_principal]
    }}
{condition_blocks}  }}
}}

resource "aws_iam_role" "rolescope_audit" {{
  name                 = var.role_name
  description          = {hcl.string(DESCRIPTION)}
  assume_role_policy   = data.aws_iam_policy_document.rolescope_trust.json
  max_session_duration = var.max_session_duration
  tags = {{
    "managed-by" = "rolescope"
  }}
}}

resource "aws_iam_role_policy_attachment" "rolescope_security_audit" {{
  role       = aws_iam_role.rolescope_audit.name
  policy_arn = "arn:${{data.aws_partition.current.partition}}:iam::aws:policy/SecurityAudit"
}}

resource "aws_iam_role_policy" "rolescope_collection" {{
  name   = "RolescopeCollection"
  role   = aws_iam_role.rolescope_audit.id
  policy = jsonencode({hcl.expression(collection_policy(), 1)})
}}

output "role_arn" {{
  value = aws_iam_role.rolescope_audit.arn
}}
"""
