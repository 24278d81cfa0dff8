"""One synthetic account's IAM, drawn as ``aws iam get-account-authorization-details`` JSON.

The **mixed** shape (:class:`AccountBuilder`), the one :mod:`bench.generate` draws by default: an
organisation like the ones rolescope audits has a management account, security, log-archive,
shared-services (CI/CD) and identity accounts, then workload accounts (``payments-prod``...). Every
account carries the landing-zone roles real ones carry (``OrganizationAccountAccessRole``, IAM
Identity Center ``AWSReservedSSO_*`` roles, service-linked roles, CDK bootstrap roles, an audit role
for the security account, a GitHub Actions deploy role), then workload roles drawn from a weighted
mix of trust shapes (:data:`WORKLOAD_MIX`): service roles with and without source conditions, EKS
IRSA and GitHub OIDC roles, same-account roles, cross-account roles inside the organisation and to
vendors with and without ExternalId or MFA, SAML, public trust, Deny paths, deleted principals.

The building blocks (trust statements, role entries, managed policies, users, groups) are shared
with the dense shape (:mod:`bench.dense`). Everything is drawn from the :class:`random.Random` the
builder is given: the same stream draws the same account.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

EPOCH = datetime(2026, 11, 1, tzinfo=UTC)

Json = dict[str, Any]

# Workload roles (after each account's landing-zone roles): kind -> weight.
WORKLOAD_MIX: dict[str, float] = {
    "service": 30.0,
    "service-source": 12.0,
    "oidc-eks": 16.0,
    "same-account": 7.0,
    "cross-account-org": 8.0,
    "cross-account-external-id": 2.5,
    "cross-account-vendor": 3.0,
    "cross-account-mfa": 3.0,
    "cross-account-open": 1.0,
    "oidc-github": 5.0,
    "oidc-github-no-sub": 0.5,
    "saml": 2.0,
    "saml-no-aud": 0.5,
    "public": 0.2,
    "deny-path": 1.3,
    "deleted-principal": 0.5,
}
# Every kind a generated organisation contains (landing-zone kinds included). Trust in "*" confined to
# the organisation ("public-org", and one Deny-guarded "*" role) lives only in the security and
# shared-services accounts, a fixed handful per organisation as in real ones: the trust graph expands
# each such role into every principal of the organisation that may call sts:AssumeRole on it.
KINDS = (*WORKLOAD_MIX, "service-linked", "saml-sso", "public-org")

# Real vendor accounts (see rolescope/data/vendor_accounts.yaml) and their integration role names.
VENDORS = (
    ("464622532012", "DatadogIntegrationRole"),
    ("754728514883", "NewRelicInfrastructure-Integrations"),
    ("454464851268", "CloudHealthRole"),
    ("165736516723", "CloudabilityRole"),
    ("352813966189", "CloudCheckrRole"),
)
# Accounts nobody in the organisation knows (former contractors, partners).
STRANGERS = ("210987654321", "402210938476", "583920174655")

SERVICES = (  # principal, weight, role-name stem, console path
    ("lambda.amazonaws.com", 35, "lambda", "/service-role/"),
    ("ecs-tasks.amazonaws.com", 20, "task", "/"),
    ("ec2.amazonaws.com", 15, "ec2-instance", "/"),
    ("states.amazonaws.com", 5, "sfn", "/service-role/"),
    ("events.amazonaws.com", 4, "eventbridge", "/service-role/"),
    ("codebuild.amazonaws.com", 4, "codebuild", "/service-role/"),
    ("glue.amazonaws.com", 4, "glue", "/service-role/"),
    ("sagemaker.amazonaws.com", 3, "sagemaker-execution", "/service-role/"),
    ("firehose.amazonaws.com", 2, "firehose", "/service-role/"),
    ("apigateway.amazonaws.com", 2, "apigw-cloudwatch", "/"),
    ("scheduler.amazonaws.com", 2, "scheduler", "/service-role/"),
    ("batch.amazonaws.com", 2, "batch", "/service-role/"),
    ("backup.amazonaws.com", 1, "backup", "/service-role/"),
    ("datasync.amazonaws.com", 1, "datasync", "/service-role/"),
)
SOURCE_ARN_SERVICE = {  # principal -> (ARN service, resource shape)
    "lambda.amazonaws.com": ("lambda", "function:{name}"),
    "states.amazonaws.com": ("states", "stateMachine:{name}"),
    "events.amazonaws.com": ("events", "rule/{name}"),
    "codebuild.amazonaws.com": ("codebuild", "project/{name}"),
    "glue.amazonaws.com": ("glue", "job/{name}"),
    "firehose.amazonaws.com": ("firehose", "deliverystream/{name}"),
    "scheduler.amazonaws.com": ("scheduler", "schedule/default/{name}"),
    "datasync.amazonaws.com": ("datasync", "task/*"),
    "backup.amazonaws.com": ("backup", "backup-vault:*"),
}
SERVICE_LINKED = (
    ("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy"),
    ("ecs.amazonaws.com", "AWSServiceRoleForECS", "AmazonECSServiceRolePolicy"),
    ("elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing",
     "AWSElasticLoadBalancingServiceRolePolicy"),
    ("rds.amazonaws.com", "AWSServiceRoleForRDS", "AmazonRDSServiceRolePolicy"),
    ("sso.amazonaws.com", "AWSServiceRoleForSSO", "AWSSSOServiceRolePolicy"),
    ("support.amazonaws.com", "AWSServiceRoleForSupport", "AWSSupportServiceRolePolicy"),
    ("trustedadvisor.amazonaws.com", "AWSServiceRoleForTrustedAdvisor", "AWSTrustedAdvisorServiceRolePolicy"),
    ("organizations.amazonaws.com", "AWSServiceRoleForOrganizations", "AWSOrganizationsServiceTrustPolicy"),
    ("config.amazonaws.com", "AWSServiceRoleForConfig", "AWSConfigServiceRolePolicy"),
    ("guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDuty", "AmazonGuardDutyServiceRolePolicy"),
    ("securityhub.amazonaws.com", "AWSServiceRoleForSecurityHub", "AWSSecurityHubServiceRolePolicy"),
    ("access-analyzer.amazonaws.com", "AWSServiceRoleForAccessAnalyzer", "AccessAnalyzerServiceRolePolicy"),
    ("eks.amazonaws.com", "AWSServiceRoleForAmazonEKS", "AmazonEKSServiceRolePolicy"),
    ("eks-nodegroup.amazonaws.com", "AWSServiceRoleForAmazonEKSNodegroup", "AWSServiceRoleForAmazonEKSNodegroup"),
    ("spot.amazonaws.com", "AWSServiceRoleForEC2Spot", "AWSEC2SpotServiceRolePolicy"),
    ("elasticache.amazonaws.com", "AWSServiceRoleForElastiCache", "ElastiCacheServiceRolePolicy"),
    ("inspector2.amazonaws.com", "AWSServiceRoleForAmazonInspector2", "AmazonInspector2ServiceRolePolicy"),
    ("ssm.amazonaws.com", "AWSServiceRoleForAmazonSSM", "AmazonSSMServiceRolePolicy"),
    ("cloudtrail.amazonaws.com", "AWSServiceRoleForCloudTrail", "CloudTrailServiceRolePolicy"),
    ("dynamodb.application-autoscaling.amazonaws.com", "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
     "AWSApplicationAutoscalingDynamoDBTablePolicy"),
)
PERMISSION_SETS = ("AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "ViewOnlyAccess", "Billing",
                   "SecurityAudit", "DataEngineer", "Developer", "NetworkAdmin", "SupportUser",
                   "DatabaseAdmin", "PlatformEngineer", "IncidentResponder")
APPS = ("orders", "payments", "billing", "checkout", "catalog", "search", "inventory", "shipping",
        "notifications", "auth", "accounts", "reporting", "analytics", "etl", "ingest", "ml-scoring",
        "recommendations", "fraud", "ledger", "invoices", "pricing", "media", "thumbnails", "exports",
        "webhooks", "gateway", "crm", "support", "loyalty", "returns", "warehouse", "forecasting")
FUNCTIONS = ("handler", "processor", "worker", "consumer", "api", "cron", "sync", "exporter", "transformer",
             "notifier", "indexer", "reconciler")
TEAMS = ("payments", "data", "platform", "web", "mobile", "ml", "growth", "core", "risk", "logistics")
ENVS = ("prod", "staging", "dev", "sandbox")
REGIONS = ("us-east-1", "us-east-1", "eu-west-1", "us-west-2", "eu-central-1")
NAMESPACES = ("default", "kube-system", "monitoring", "ingress", "cert-manager", "external-dns",
              "karpenter", "argocd", "logging", "apps")
AWS_MANAGED = {
    "lambda.amazonaws.com": ("AWSLambdaBasicExecutionRole", "service-role/"),
    "ecs-tasks.amazonaws.com": ("AmazonECSTaskExecutionRolePolicy", "service-role/"),
    "ec2.amazonaws.com": ("AmazonSSMManagedInstanceCore", ""),
    "glue.amazonaws.com": ("AWSGlueServiceRole", "service-role/"),
    "sagemaker.amazonaws.com": ("AmazonSageMakerFullAccess", ""),
}
SAML_AUD = "https://signin.aws.amazon.com/saml"
GITHUB = "token.actions.githubusercontent.com"


@dataclass(frozen=True, slots=True)
class Account:
    """One account of the synthetic organisation."""

    account_id: str
    name: str
    function: str  # management, security, log-archive, shared-services, identity, workload
    region: str
    sso_suffix: str
    eks_issuers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Org:
    org_id: str
    accounts: tuple[Account, ...]
    github_org: str

    def by_function(self, function: str) -> Account:
        return next(a for a in self.accounts if a.function == function)


@dataclass(slots=True)
class RoleSpec:
    """What a template decides about one role; :func:`_role_entry` turns it into GAAD JSON."""

    kind: str
    name: str
    trust: Json
    path: str = "/"
    managed: list[str] = field(default_factory=list)  # policy ARNs
    inline: list[tuple[str, Json]] = field(default_factory=list)
    instance_profile: bool = False


def hex_chars(rng: random.Random, length: int) -> str:
    return "".join(rng.choices("0123456789abcdef", k=length))


def upper_chars(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(string.ascii_uppercase + string.digits, k=length))


def trust_document(*statements: Json, version: str = "2012-10-17") -> Json:
    return {"Version": version, "Statement": list(statements)}


def allow(principal: Any, action: Any = "sts:AssumeRole", condition: Json | None = None,
           sid: str | None = None) -> Json:
    statement: Json = {}
    if sid is not None:
        statement["Sid"] = sid
    statement.update(Effect="Allow", Principal=principal, Action=action)
    if condition:
        statement["Condition"] = condition
    return statement


def deny(principal: Any, condition: Json, sid: str, action: Any = "sts:AssumeRole") -> Json:
    return {"Sid": sid, "Effect": "Deny", "Principal": principal, "Action": action, "Condition": condition}


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def aws_managed(name: str, prefix: str = "") -> str:
    return f"arn:aws:iam::aws:policy/{prefix}{name}"


class AccountBuilder:
    """Draws one account's roles, users, groups and policies from its own random stream."""

    def __init__(self, org: Org, account: Account, rng: random.Random) -> None:
        self.org = org
        self.account = account
        self.rng = rng
        self.names: set[str] = set()
        self.policies: list[Json] = []
        self.app = rng.choice(APPS)

    # -- helpers --------------------------------------------------------------------------------
    @property
    def me(self) -> str:
        return self.account.account_id

    def unique(self, name: str) -> str:
        candidate, n = name, 2
        while candidate in self.names:
            candidate = f"{name}-{n}"
            n += 1
        self.names.add(candidate)
        return candidate

    def env(self) -> str:
        return self.account.name.rsplit("-", 1)[-1] if self.account.function == "workload" else "shared"

    def other_member(self) -> Account:
        others = [a for a in self.org.accounts if a.account_id != self.me]
        return self.rng.choice(others)

    def maybe_sid(self, sid: str) -> str | None:
        return self.rng.choice((sid, sid, "", None))

    def inline_policy(self, name: str) -> tuple[str, Json]:
        rng, me, region = self.rng, self.me, self.account.region
        bucket = f"{self.org.github_org}-{self.app}-{self.env()}-{rng.choice(('data', 'artifacts', 'exports'))}"
        statements: list[Json] = [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
             "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]},
            {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": f"arn:aws:logs:{region}:{me}:log-group:/aws/{self.app}/{name}:*"},
        ]
        extra = rng.choice(("sqs", "dynamodb", "kms", "secrets", None))
        if extra == "sqs":
            statements.append({"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage",
                                                             "sqs:GetQueueAttributes"],
                               "Resource": f"arn:aws:sqs:{region}:{me}:{self.app}-{name}"})
        elif extra == "dynamodb":
            statements.append({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem",
                                                             "dynamodb:Query", "dynamodb:UpdateItem"],
                               "Resource": f"arn:aws:dynamodb:{region}:{me}:table/{self.app}-*"})
        elif extra == "kms":
            statements.append({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                               "Resource": f"arn:aws:kms:{region}:{me}:key/{hex_chars(rng, 8)}-{hex_chars(rng, 4)}-"
                                           f"{hex_chars(rng, 4)}-{hex_chars(rng, 4)}-{hex_chars(rng, 12)}"})
        elif extra == "secrets":
            statements.append({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                               "Resource": f"arn:aws:secretsmanager:{region}:{me}:secret:{self.app}/{name}-*"})
        return f"{name}-access", {"Version": "2012-10-17", "Statement": statements}

    def customer_policy(self) -> str | None:
        return self.rng.choice(self.policies)["Arn"] if self.policies else None

    # -- landing-zone roles ---------------------------------------------------------------------
    def landing_zone(self) -> list[RoleSpec]:
        rng, me, org = self.rng, self.me, self.org
        management = org.by_function("management").account_id
        security = org.by_function("security").account_id
        specs: list[RoleSpec] = []
        if me != management:
            specs.append(RoleSpec("cross-account-org", self.unique("OrganizationAccountAccessRole"),
                                  trust_document(allow({"AWS": root_arn(management)})),
                                  managed=[aws_managed("AdministratorAccess")]))
        linked = rng.sample(SERVICE_LINKED, rng.randint(5, 10))
        for service, name, policy in linked:
            specs.append(RoleSpec("service-linked", self.unique(name), trust_document(allow({"Service": service})),
                                  path=f"/aws-service-role/{service}/",
                                  managed=[aws_managed(policy, "aws-service-role/")]))
        region_path = rng.choice(("", f"{self.account.region}/"))
        for permission_set in rng.sample(PERMISSION_SETS, rng.randint(4, 8)):
            provider = f"arn:aws:iam::{me}:saml-provider/AWSSSO_{self.account.sso_suffix}_DO_NOT_DELETE"
            specs.append(RoleSpec(
                "saml-sso", self.unique(f"AWSReservedSSO_{permission_set}_{hex_chars(rng, 16)}"),
                trust_document(allow({"Federated": provider}, ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                              {"StringEquals": {"SAML:aud": SAML_AUD}})),
                path=f"/aws-reserved/sso.amazonaws.com/{region_path}",
                managed=[aws_managed(permission_set if permission_set != "Billing" else "job-function/Billing")],
            ))
        if me != security:
            specs.append(RoleSpec(
                "cross-account-external-id", self.unique("SecurityAuditRole"),
                trust_document(allow({"AWS": f"arn:aws:iam::{security}:role/security/audit-orchestrator"},
                              condition={"StringEquals": {"sts:ExternalId": f"audit-{hex_chars(rng, 20)}"}},
                              sid="AuditOrchestrator")),
                path="/security/", managed=[aws_managed("SecurityAudit"), aws_managed("job-function/ViewOnlyAccess")],
            ))
        if self.account.function in ("security", "shared-services"):
            specs.append(self._public_org("PrincipalOrgID"))
            specs.append(self._public_org("PrincipalOrgPaths"))
        if self.account.function == "security":
            specs.append(RoleSpec(
                "deny-path", self.unique("org-incident-responder"),
                trust_document(allow({"AWS": "*"}, sid="Anyone"),
                       deny("*", {"StringNotEquals": {"aws:PrincipalOrgID": org.org_id}}, "DenyOutsideTheOrg")),
                path="/security/", managed=[aws_managed("SecurityAudit")],
            ))
        if self.account.function == "workload":
            qualifier = "hnb659fds"
            region = self.account.region
            for kind in ("deploy", "lookup", "file-publishing", "image-publishing"):
                specs.append(RoleSpec(
                    "same-account", self.unique(f"cdk-{qualifier}-{kind}-role-{me}-{region}"),
                    trust_document(allow({"AWS": root_arn(me)}, ["sts:AssumeRole", "sts:TagSession"]))))
            specs.append(RoleSpec("service", self.unique(f"cdk-{qualifier}-cfn-exec-role-{me}-{region}"),
                                  trust_document(allow({"Service": "cloudformation.amazonaws.com"})),
                                  managed=[aws_managed("AdministratorAccess")]))
            repo = f"{self.app}-infra"
            specs.append(RoleSpec(
                "oidc-github", self.unique("github-actions-deploy"),
                trust_document(allow({"Federated": f"arn:aws:iam::{me}:oidc-provider/{GITHUB}"},
                              "sts:AssumeRoleWithWebIdentity",
                              {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                               "StringLike": {f"{GITHUB}:sub": f"repo:{org.github_org}/{repo}:*"}})),
                path="/ci/", managed=[aws_managed("PowerUserAccess")],
            ))
        return specs

    # -- workload roles -------------------------------------------------------------------------
    def workload(self, kind: str) -> RoleSpec:
        return _TEMPLATES[kind](self)

    def _service(self, with_source: bool) -> RoleSpec:
        rng, me = self.rng, self.me
        principal, _, stem, console_path = rng.choices(SERVICES, weights=[s[1] for s in SERVICES])[0]
        app = rng.choice(APPS)
        function = rng.choice(FUNCTIONS)
        resource = f"{app}-{function}-{self.env()}"
        console = rng.random() < 0.3
        if console:
            name, path = f"{resource}-role-{rng.choice(string.ascii_lowercase)}{hex_chars(rng, 7)}", console_path
        else:
            name, path = f"{resource}-{stem}-role", rng.choice(("/", "/", f"/{app}/"))
        action: Any = "sts:AssumeRole"
        if principal == "ecs-tasks.amazonaws.com" and rng.random() < 0.3:
            action = ["sts:AssumeRole", "sts:TagSession"]
        condition: Json | None = None
        if with_source:
            arn_part = SOURCE_ARN_SERVICE.get(principal)
            choice = rng.random()
            if arn_part is None or choice < 0.45:
                condition = {"StringEquals": {"aws:SourceAccount": me}}
            else:
                service, shape = arn_part
                region = self.account.region if service != "iam" else ""
                source_arn = f"arn:aws:{service}:{region}:{me}:{shape.format(name=resource)}"
                condition = {"ArnLike": {"aws:SourceArn": source_arn}}
                if choice > 0.8:
                    condition["StringEquals"] = {"aws:SourceAccount": me}
        version = "2012-10-17" if rng.random() < 0.95 else "2008-10-17"
        sid = "" if console else None
        principals: Any = {"Service": principal}
        if principal == "lambda.amazonaws.com" and rng.random() < 0.05:
            principals = {"Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]}
        managed = []
        if principal in AWS_MANAGED:
            managed.append(aws_managed(*AWS_MANAGED[principal]))
        spec = RoleSpec("service-source" if with_source else "service", self.unique(name),
                        trust_document(allow(principals, action, condition, sid), version=version), path=path,
                        managed=managed, instance_profile=principal == "ec2.amazonaws.com")
        self._permissions(spec, resource)
        return spec

    def _permissions(self, spec: RoleSpec, name: str) -> None:
        rng = self.rng
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            spec.inline.append(self.inline_policy(name))
        if rng.random() < 0.4 and (arn := self.customer_policy()):
            spec.managed.append(arn)

    def _eks(self) -> RoleSpec:
        rng, me = self.rng, self.me
        issuer = rng.choice(self.account.eks_issuers)
        namespace = rng.choice(NAMESPACES)
        service_account = f"{rng.choice(APPS)}-{rng.choice(FUNCTIONS)}"
        cluster = issuer.rsplit("/", 1)[-1][:6].lower()
        condition: Json
        if rng.random() < 0.85:
            condition = {"StringEquals": {f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                                          f"{issuer}:aud": "sts.amazonaws.com"}}
        else:
            condition = {"StringLike": {f"{issuer}:sub": f"system:serviceaccount:{namespace}:*"},
                         "StringEquals": {f"{issuer}:aud": "sts.amazonaws.com"}}
        spec = RoleSpec("oidc-eks", self.unique(f"eks-{cluster}-{namespace}-{service_account}"),
                        trust_document(allow({"Federated": f"arn:aws:iam::{me}:oidc-provider/{issuer}"},
                                      "sts:AssumeRoleWithWebIdentity", condition)),
                        path=rng.choice(("/", "/eks/")))
        self._permissions(spec, service_account)
        return spec

    def _github(self, pinned: bool) -> RoleSpec:
        rng, me, org = self.rng, self.me, self.org.github_org
        repo = f"{rng.choice(APPS)}-{rng.choice(('service', 'infra', 'web', 'pipeline', 'lambda'))}"
        condition: Json = {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}}
        if pinned:
            subject = rng.choice((f"repo:{org}/{repo}:ref:refs/heads/main", f"repo:{org}/{repo}:*",
                                  f"repo:{org}/{repo}:environment:{self.env()}"))
            operator = "StringEquals" if "*" not in subject and rng.random() < 0.5 else "StringLike"
            condition.setdefault(operator, {})[f"{GITHUB}:sub"] = subject
        spec = RoleSpec("oidc-github" if pinned else "oidc-github-no-sub", self.unique(f"gha-{repo}"),
                        trust_document(allow({"Federated": f"arn:aws:iam::{me}:oidc-provider/{GITHUB}"},
                                      "sts:AssumeRoleWithWebIdentity", condition)),
                        path="/ci/")
        self._permissions(spec, repo)
        return spec

    def _same_account(self) -> RoleSpec:
        rng, me = self.rng, self.me
        app = rng.choice(APPS)
        shape = rng.random()
        if shape < 0.4:
            principal: Any = {"AWS": root_arn(me)}
            condition = None
        elif shape < 0.8:
            principal = {"AWS": f"arn:aws:iam::{me}:role/{app}-{rng.choice(FUNCTIONS)}-{self.env()}-lambda-role"}
            condition = None
        else:
            principal = {"AWS": root_arn(me)}
            condition = {"ArnLike": {"aws:PrincipalArn":
                                     f"arn:aws:iam::{me}:role/aws-reserved/sso.amazonaws.com/*"}}
        spec = RoleSpec("same-account", self.unique(f"{app}-{rng.choice(('admin', 'operator', 'readonly'))}"),
                        trust_document(allow(principal, condition=condition, sid=self.maybe_sid("SameAccount"))))
        self._permissions(spec, app)
        return spec

    def _cross_org(self) -> RoleSpec:
        rng, org = self.rng, self.org
        ci = org.by_function("shared-services").account_id
        app = rng.choice(APPS)
        shape = rng.random()
        if shape < 0.5:
            runner = rng.choice(("atlantis-runner", "jenkins-agent", "codepipeline-deployer"))
            principal: Any = {"AWS": f"arn:aws:iam::{ci}:role/{runner}"}
            name = f"{app}-deployer"
            managed = [aws_managed("PowerUserAccess")] if rng.random() < 0.3 else []
        elif shape < 0.8:
            other = self.other_member().account_id
            principal = {"AWS": root_arn(other)}
            name = f"{app}-cross-account-read"
            managed = [aws_managed("ReadOnlyAccess")] if rng.random() < 0.5 else []
        else:
            others = rng.sample([a for a in org.accounts if a.account_id != self.me], 2)
            principal = {"AWS": [f"arn:aws:iam::{a.account_id}:role/{app}-{rng.choice(FUNCTIONS)}" for a in others]}
            name = f"{app}-consumer"
            managed = []
        spec = RoleSpec("cross-account-org", self.unique(name),
                        trust_document(allow(principal, sid=self.maybe_sid("CrossAccount"))), managed=managed)
        self._permissions(spec, app)
        return spec

    def _cross_external_id(self) -> RoleSpec:
        rng = self.rng
        other = self.other_member().account_id
        app = rng.choice(APPS)
        spec = RoleSpec("cross-account-external-id", self.unique(f"{app}-partner-access"),
                        trust_document(allow({"AWS": f"arn:aws:iam::{other}:role/{app}-integration"},
                                      condition={"StringEquals": {"sts:ExternalId": f"{app}-{hex_chars(rng, 16)}"}})))
        self._permissions(spec, app)
        return spec

    def _vendor(self) -> RoleSpec:
        rng = self.rng
        vendor, name = rng.choice(VENDORS)
        external_id = hex_chars(rng, 32) if rng.random() < 0.85 else rng.choice(("acme", vendor, "*"))
        operator = "StringLike" if external_id == "*" else "StringEquals"
        return RoleSpec("cross-account-vendor", self.unique(name),
                        trust_document(allow({"AWS": root_arn(vendor)},
                                             condition={operator: {"sts:ExternalId": external_id}})),
                        managed=[aws_managed("ReadOnlyAccess")] if rng.random() < 0.5 else
                        [aws_managed("SecurityAudit")])

    def _mfa(self) -> RoleSpec:
        rng, org = self.rng, self.org
        identity = org.by_function("identity").account_id
        team = rng.choice(TEAMS)
        shape = rng.random()
        condition: Json
        if shape < 0.6:
            condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        elif shape < 0.85:
            condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"},
                         "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}
        else:
            condition = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}  # passes long-term keys
        spec = RoleSpec("cross-account-mfa", self.unique(f"{team}-engineer"),
                        trust_document(allow({"AWS": root_arn(identity)}, condition=condition,
                                      sid=self.maybe_sid("HumansWithMFA"))),
                        path="/teams/", managed=[aws_managed(rng.choice(("PowerUserAccess", "ReadOnlyAccess",
                                                                           "AdministratorAccess")))])
        return spec

    def _cross_open(self) -> RoleSpec:
        rng = self.rng
        stranger = rng.choice(STRANGERS)
        app = rng.choice(APPS)
        spec = RoleSpec("cross-account-open", self.unique(f"{app}-contractor-access"),
                        trust_document(allow({"AWS": rng.choice((root_arn(stranger), stranger))})),
                        managed=[aws_managed(rng.choice(("ReadOnlyAccess", "AdministratorAccess")))])
        return spec

    def _saml(self, audience: bool) -> RoleSpec:
        rng, me = self.rng, self.me
        provider = rng.choice(("Okta", "ADFS", "AzureAD"))
        team = rng.choice(TEAMS)
        condition = {"StringEquals": {"SAML:aud": SAML_AUD}} if audience else None
        name = f"{provider}-{team}-{rng.choice(('admin', 'dev', 'read'))}"
        return RoleSpec("saml" if audience else "saml-no-aud", self.unique(name),
                        trust_document(allow({"Federated": f"arn:aws:iam::{me}:saml-provider/{provider}"},
                                      "sts:AssumeRoleWithSAML", condition)),
                        path="/federated/", managed=[aws_managed("ReadOnlyAccess")])

    def _public_org(self, which: str) -> RoleSpec:
        rng = self.rng
        app = rng.choice(APPS)
        key = f"aws:{which}"
        value = (self.org.org_id if key == "aws:PrincipalOrgID"
                 else f"{self.org.org_id}/r-ab12/ou-ab12-{hex_chars(rng, 8)}/*")
        operator = "StringEquals" if key == "aws:PrincipalOrgID" else "ForAnyValue:StringLike"
        spec = RoleSpec("public-org", self.unique(f"org-{app}-reader"),
                        trust_document(allow({"AWS": "*"}, condition={operator: {key: value}},
                                             sid="AnyAccountInTheOrg")))
        self._permissions(spec, app)
        return spec

    def _public(self) -> RoleSpec:
        rng = self.rng
        app = rng.choice(APPS)
        shape = rng.random()
        if shape < 0.5:
            trust = trust_document(allow({"AWS": "*"}))
        elif shape < 0.8:
            external_id = f"{app}-{hex_chars(rng, 12)}"
            trust = trust_document(allow("*", condition={"StringEquals": {"sts:ExternalId": external_id}}))
        else:
            trust = trust_document(allow({"Federated": f"arn:aws:iam::{self.me}:oidc-provider/{GITHUB}"},
                                  "sts:AssumeRoleWithWebIdentity",
                                  {"StringLike": {f"{GITHUB}:sub": "repo:*"}}))
        return RoleSpec("public", self.unique(f"{app}-legacy-access"), trust,
                        managed=[aws_managed("ReadOnlyAccess")])

    def _deny_path(self) -> RoleSpec:
        rng, org = self.rng, self.org
        management = org.by_function("management").account_id
        if rng.random() < 0.6:
            trust = trust_document(
                allow({"AWS": root_arn(management)}, sid="ManagementEngineers"),
                deny({"AWS": root_arn(management)}, {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                      "DenyWithoutMFA"),
            )
        else:
            ci = org.by_function("shared-services").account_id
            trust = trust_document(
                allow({"AWS": f"arn:aws:iam::{ci}:role/atlantis-runner"}, sid="Atlantis"),
                deny({"AWS": f"arn:aws:iam::{ci}:role/atlantis-runner"},
                      {"NotIpAddress": {"aws:SourceIp": ["10.20.0.0/16", "192.0.2.0/24"]}}, "DenyOutsideTheVpn"),
            )
        return RoleSpec("deny-path", self.unique(f"{rng.choice(TEAMS)}-oncall"), trust, path="/oncall/",
                        managed=[aws_managed("ReadOnlyAccess")])

    def _deleted(self) -> RoleSpec:
        rng = self.rng
        principals = ["AROA" + upper_chars(rng, 17)]
        if rng.random() < 0.5:
            principals.append(f"arn:aws:iam::{self.other_member().account_id}:role/{rng.choice(APPS)}-deployer")
        return RoleSpec("deleted-principal", self.unique(f"{rng.choice(APPS)}-legacy-deploy"),
                        trust_document(allow({"AWS": principals if len(principals) > 1 else principals[0]})))

    # -- the account ----------------------------------------------------------------------------
    def build(self, total_roles: int) -> tuple[Json, list[RoleSpec]]:
        """The account's GAAD document with ``total_roles`` roles, and the specs the roles were drawn from."""
        self.policies = [self.managed_policy(i) for i in range(max(2, total_roles // 10))]
        specs = self.role_specs(total_roles)
        roles = [self.role_entry(spec) for spec in specs]
        users = [self.user(i) for i in range(self.user_count(total_roles))]
        groups = [self.group(name) for name in self.group_names()]
        document = {
            "UserDetailList": users,
            "GroupDetailList": groups,
            "RoleDetailList": roles,
            "Policies": self.policies,
            "IsTruncated": False,
        }
        return document, specs

    def role_specs(self, total_roles: int) -> list[RoleSpec]:
        """The landing-zone roles, then workload roles drawn from :data:`WORKLOAD_MIX`."""
        specs = self.landing_zone()[:total_roles]
        kinds, weights = list(WORKLOAD_MIX), list(WORKLOAD_MIX.values())
        for kind in self.rng.choices(kinds, weights=weights, k=max(0, total_roles - len(specs))):
            specs.append(self.workload(kind))
        return specs

    def group_names(self) -> tuple[str, ...]:
        return ("Admins", "Developers", "ReadOnly")[: 1 + self.rng.randint(0, 2)]

    def user_count(self, total_roles: int) -> int:
        if self.account.function == "identity":
            return max(5, total_roles // 3)
        return self.rng.randint(0, 3)

    def date(self, days: int = 1500) -> str:
        moment = EPOCH - timedelta(days=self.rng.randint(1, days), seconds=self.rng.randint(0, 86399))
        return moment.isoformat()

    def role_entry(self, spec: RoleSpec) -> Json:
        rng, me = self.rng, self.me
        arn = f"arn:aws:iam::{me}:role{spec.path}{spec.name}"
        role_id = "AROA" + upper_chars(rng, 17)
        created = self.date()
        entry: Json = {
            "Path": spec.path,
            "RoleName": spec.name,
            "RoleId": role_id,
            "Arn": arn,
            "CreateDate": created,
            "AssumeRolePolicyDocument": spec.trust,
            "InstanceProfileList": [],
            "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in spec.inline],
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in spec.managed],
        }
        if spec.instance_profile:
            entry["InstanceProfileList"] = [{
                "Path": "/", "InstanceProfileName": spec.name, "InstanceProfileId": "AIPA" + upper_chars(rng, 17),
                "Arn": f"arn:aws:iam::{me}:instance-profile/{spec.name}", "CreateDate": created,
                "Roles": [{"Path": spec.path, "RoleName": spec.name, "RoleId": role_id, "Arn": arn,
                           "CreateDate": created, "AssumeRolePolicyDocument": spec.trust}],
            }]
        if rng.random() < 0.1:
            entry["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": f"arn:aws:iam::{me}:policy/DeveloperBoundary",
            }
        tags = [{"Key": "team", "Value": rng.choice(TEAMS)}, {"Key": "env", "Value": self.env()},
                {"Key": "managed-by", "Value": rng.choice(("terraform", "cdk", "console", "cloudformation"))},
                {"Key": "cost-center", "Value": f"cc-{rng.randint(1000, 9999)}"}]
        entry["Tags"] = tags[: rng.randint(0, 4)] if not spec.path.startswith("/aws-") else []
        usage = rng.random()
        if usage < 0.7:
            entry["RoleLastUsed"] = {"LastUsedDate": self.date(days=30 if usage < 0.5 else 400),
                                     "Region": self.account.region}
        else:
            entry["RoleLastUsed"] = {}
        return entry

    def managed_policy(self, index: int) -> Json:
        rng, me = self.rng, self.me
        app = rng.choice(APPS)
        name = f"{app}-{rng.choice(('s3-access', 'dynamodb-access', 'sqs-consumer', 'kms-use', 'ssm-read'))}-{index}"
        versions = []
        count = rng.randint(1, 3)
        for number in range(count, 0, -1):
            _, document = self.inline_policy(app)
            versions.append({"Document": document, "VersionId": f"v{number}", "IsDefaultVersion": number == count,
                             "CreateDate": self.date()})
        return {
            "PolicyName": name, "PolicyId": "ANPA" + upper_chars(rng, 17), "Arn": f"arn:aws:iam::{me}:policy/{name}",
            "Path": "/", "DefaultVersionId": f"v{count}", "AttachmentCount": rng.randint(0, 5),
            "PermissionsBoundaryUsageCount": 0, "IsAttachable": True, "CreateDate": self.date(),
            "UpdateDate": self.date(days=200), "PolicyVersionList": versions,
        }

    def user(self, index: int) -> Json:
        rng, me = self.rng, self.me
        if self.account.function == "identity":
            name, path = f"{rng.choice(string.ascii_lowercase)}.{rng.choice(TEAMS)}{index}", "/people/"
        else:
            stem = rng.choice(("breakglass", "ci-legacy", "terraform-bootstrap", "smtp-sender"))
            name, path = f"{stem}-{index}", "/"
        return {
            "Path": path, "UserName": name, "UserId": "AIDA" + upper_chars(rng, 17),
            "Arn": f"arn:aws:iam::{me}:user{path}{name}", "CreateDate": self.date(),
            "GroupList": ["Developers"] if rng.random() < 0.6 else [], "AttachedManagedPolicies": [],
            "UserPolicyList": [], "Tags": [],
        }

    def group(self, name: str) -> Json:
        policy = {"Admins": "AdministratorAccess", "Developers": "PowerUserAccess", "ReadOnly": "ReadOnlyAccess"}[name]
        return {
            "Path": "/", "GroupName": name, "GroupId": "AGPA" + upper_chars(self.rng, 17),
            "Arn": f"arn:aws:iam::{self.me}:group/{name}", "CreateDate": self.date(), "GroupPolicyList": [],
            "AttachedManagedPolicies": [{"PolicyName": policy, "PolicyArn": aws_managed(policy)}],
        }


_TEMPLATES: dict[str, Callable[[AccountBuilder], RoleSpec]] = {
    "service": lambda b: b._service(False),
    "service-source": lambda b: b._service(True),
    "oidc-eks": AccountBuilder._eks,
    "same-account": AccountBuilder._same_account,
    "cross-account-org": AccountBuilder._cross_org,
    "cross-account-external-id": AccountBuilder._cross_external_id,
    "cross-account-vendor": AccountBuilder._vendor,
    "cross-account-mfa": AccountBuilder._mfa,
    "cross-account-open": AccountBuilder._cross_open,
    "oidc-github": lambda b: b._github(True),
    "oidc-github-no-sub": lambda b: b._github(False),
    "saml": lambda b: b._saml(True),
    "saml-no-aud": lambda b: b._saml(False),
    "public": AccountBuilder._public,
    "deny-path": AccountBuilder._deny_path,
    "deleted-principal": AccountBuilder._deleted,
}

ACCOUNT_FUNCTIONS = ("management", "security", "log-archive", "shared-services", "identity")


def build_org(accounts: int, seed: int) -> Org:
    """The organisation's accounts (ids, names, regions): the same for the same arguments."""
    rng = random.Random(f"org:{seed}")
    taken = {v for v, _ in VENDORS} | set(STRANGERS)
    ids: list[str] = []
    while len(ids) < accounts:
        candidate = str(rng.randrange(10**11, 9 * 10**11))
        if candidate not in taken:
            taken.add(candidate)
            ids.append(candidate)
    company = rng.choice(("northwind", "contoso", "initech", "globex", "umbrella", "hooli"))
    members = []
    for index, account_id in enumerate(ids):
        if index < len(ACCOUNT_FUNCTIONS):
            function, name = ACCOUNT_FUNCTIONS[index], f"{company}-{ACCOUNT_FUNCTIONS[index]}"
        else:
            function = "workload"
            number = index - len(ACCOUNT_FUNCTIONS)
            name = f"{TEAMS[number % len(TEAMS)]}-{number // len(TEAMS)}-{ENVS[rng.randrange(len(ENVS))]}"
        region = rng.choice(REGIONS)
        issuers = tuple(f"oidc.eks.{region}.amazonaws.com/id/{hex_chars(rng, 32).upper()}"
                        for _ in range(rng.randint(1, 3)))
        members.append(Account(account_id, name, function, region, hex_chars(rng, 16), issuers))
    return Org("o-" + "".join(rng.choices(string.ascii_lowercase + string.digits, k=10)), tuple(members), company)
