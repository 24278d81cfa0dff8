"""The account snapshot: what rolescope knows of one account's IAM state, from files or live."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rolescope.policy.arn import parse_arn
from rolescope.records import quick_init

JsonObject = dict[str, Any]


@quick_init
@dataclass(frozen=True, slots=True)
class PolicyRef:
    """An attached managed policy: its name and ARN."""

    name: str
    arn: str

    @property
    def aws_managed(self) -> bool:
        return ":iam::aws:policy/" in self.arn


@quick_init
@dataclass(frozen=True, slots=True)
class InlinePolicy:
    name: str
    document: JsonObject


@quick_init
@dataclass(frozen=True, slots=True)
class Role:
    """One IAM role as GetAccountAuthorizationDetails describes it.

    ``trust_policy`` is the decoded JSON; ``trust_policy_text`` keeps the document exactly as the
    source gave it (possibly URL-encoded), which remediation backs up byte for byte.
    """

    name: str
    arn: str
    path: str
    role_id: str
    trust_policy: JsonObject
    trust_policy_text: str | None = None
    attached_policies: tuple[PolicyRef, ...] = ()
    inline_policies: tuple[InlinePolicy, ...] = ()
    permissions_boundary: str | None = None
    max_session_duration: int | None = None
    last_used: datetime | None = None
    last_used_region: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    create_date: datetime | None = None
    instance_profiles: tuple[str, ...] = ()

    @property
    def account_id(self) -> str:
        arn = parse_arn(self.arn)
        return arn.account if arn else ""

    @property
    def partition(self) -> str:
        arn = parse_arn(self.arn)
        return arn.partition if arn else "aws"

    @property
    def service_linked(self) -> bool:
        """AWS owns service-linked roles' trust policies: customers cannot change them."""
        return self.path.startswith("/aws-service-role/")


@dataclass(frozen=True, slots=True)
class User:
    name: str
    arn: str
    path: str = "/"
    user_id: str = ""
    groups: tuple[str, ...] = ()
    attached_policies: tuple[PolicyRef, ...] = ()
    inline_policies: tuple[InlinePolicy, ...] = ()
    create_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    arn: str
    path: str = "/"
    attached_policies: tuple[PolicyRef, ...] = ()
    inline_policies: tuple[InlinePolicy, ...] = ()


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    """A customer-managed policy and its default version's document."""

    name: str
    arn: str
    document: JsonObject | None
    path: str = "/"
    default_version: str | None = None


@dataclass(frozen=True, slots=True)
class OrgAccount:
    account_id: str
    name: str = ""
    email: str = ""
    status: str = "ACTIVE"


@dataclass(frozen=True, slots=True)
class Organization:
    """An AWS Organization: its id (when known), management account and members."""

    org_id: str | None
    management_account: str | None
    accounts: tuple[OrgAccount, ...] = ()
    # Read for every role of a scan: built once (one shared set, however many accounts ask).
    _account_ids: frozenset[str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_account_ids", frozenset(a.account_id for a in self.accounts))

    @property
    def account_ids(self) -> frozenset[str]:
        return self._account_ids


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """One account's IAM state: roles, users, groups, customer-managed policies."""

    account_id: str
    roles: tuple[Role, ...]
    alias: str | None = None
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    policies: tuple[ManagedPolicy, ...] = ()
    organization: Organization | None = None
    source: str = ""
    extra: JsonObject = field(default_factory=dict, compare=False, hash=False)

    def policy(self, arn: str) -> ManagedPolicy | None:
        return next((p for p in self.policies if p.arn == arn), None)
