"""The account snapshot: what rolescope knows of one account's IAM state, from files or live."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rolescope.policy.arn import parse_arn
from rolescope.policy.control import ControlDocument, ControlKind
from rolescope.policy.identity import ASSUME_ROLE, action_statements
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
class OrgUnit:
    """An organisational unit and the root or OU it sits under."""

    unit_id: str
    name: str
    parent_id: str


@dataclass(frozen=True, slots=True)
class OrgPolicy:
    """An SCP or RCP: its parsed document and where it is attached (root, OU or account ids)."""

    policy_id: str
    name: str
    document: ControlDocument
    targets: tuple[str, ...] = ()
    aws_managed: bool = False

    @property
    def kind(self) -> ControlKind:
        return self.document.kind


@dataclass(frozen=True, slots=True)
class Organization:
    """An AWS Organization: its id (when known), management account and members, and, when collected,
    its tree (root, OUs, each account's parent) and its SCPs and RCPs."""

    org_id: str | None
    management_account: str | None
    accounts: tuple[OrgAccount, ...] = ()
    root_id: str | None = None
    units: tuple[OrgUnit, ...] = ()
    account_parents: tuple[tuple[str, str], ...] = ()  # (account id, root or OU id)
    policies: tuple[OrgPolicy, ...] = ()
    # Read for every role of a scan: built once (one shared set, however many accounts ask).
    _account_ids: frozenset[str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_account_ids", frozenset(a.account_id for a in self.accounts))

    @property
    def account_ids(self) -> frozenset[str]:
        return self._account_ids

    @property
    def has_policies(self) -> bool:
        return bool(self.policies)

    def levels(self, account_id: str) -> tuple[str, ...]:
        """The attachment points above and at ``account_id``, from the root down to the account itself
        (the order in which AWS evaluates SCPs and RCPs)."""
        parents = dict(self.account_parents)
        units = {u.unit_id: u.parent_id for u in self.units}
        chain: list[str] = [account_id]
        node = parents.get(account_id, self.root_id)
        while node is not None and node not in chain:  # a cycle in a hand-written file stops here
            chain.append(node)
            node = units.get(node)
        return tuple(reversed(chain))

    def org_path(self, account_id: str) -> str | None:
        """``aws:PrincipalOrgPaths``/``aws:ResourceOrgPaths`` for the account: ``o-.../r-.../ou-.../``."""
        if self.org_id is None or self.root_id is None:
            return None
        return "/".join((self.org_id, *self.levels(account_id)[:-1])) + "/"


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
    # Looked up for every attached policy of every principal: one dict, not a scan of the list each time.
    _by_arn: dict[str, ManagedPolicy] = field(init=False, repr=False, compare=False, hash=False)
    # Each identity policy's sts:AssumeRole statements, by id of its document (the check on identity
    # policies and the trust graph both read them, for every principal a managed policy is attached to).
    _assume: dict[int, tuple[JsonObject, tuple[dict[str, Any], ...]]] = field(
        init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_arn: dict[str, ManagedPolicy] = {}
        for policy in self.policies:
            by_arn.setdefault(policy.arn, policy)  # the first, should a file list one twice
        object.__setattr__(self, "_by_arn", by_arn)
        object.__setattr__(self, "_assume", {})

    def policy(self, arn: str) -> ManagedPolicy | None:
        return self._by_arn.get(arn)

    def assume_statements(self, document: JsonObject) -> tuple[dict[str, Any], ...]:
        """The statements of ``document`` (one of this account's identity policies) whose
        Action/NotAction covers ``sts:AssumeRole``, read once per document."""
        found = self._assume.get(id(document))
        if found is None or found[0] is not document:  # holding the document keeps its id from being reused
            found = self._assume[id(document)] = (document, action_statements((document,), ASSUME_ROLE))
        return found[1]
