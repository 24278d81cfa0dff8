"""Normalised, immutable trust-policy objects. Everything after parsing works on these."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from rolescope.policy.operators import OPERATORS, Family
from rolescope.policy.qualifier import Qualifier
from rolescope.records import quick_init


class Effect(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


class PrincipalType(StrEnum):
    """The key of a ``Principal`` entry."""

    ANY = "*"
    AWS = "AWS"
    SERVICE = "Service"
    FEDERATED = "Federated"
    CANONICAL_USER = "CanonicalUser"


class PrincipalKind(StrEnum):
    """What a principal value denotes, once read."""

    ANYONE = "anyone"  # "*" or {"AWS": "*"}
    ACCOUNT = "account"  # a 12-digit id or arn:...:iam::ID:root
    ROLE = "role"
    USER = "user"
    ASSUMED_ROLE = "assumed-role"
    FEDERATED_USER = "federated-user"
    UNIQUE_ID = "unique-id"  # AROA.../AIDA...: the trusted principal was deleted
    SERVICE = "service"
    SAML_PROVIDER = "saml-provider"
    OIDC_PROVIDER = "oidc-provider"
    PUBLIC_IDP = "public-idp"  # accounts.google.com, cognito-identity.amazonaws.com...
    CANONICAL_USER = "canonical-user"


@quick_init
@dataclass(frozen=True, slots=True)
class Principal:
    """One principal value of a ``Principal``/``NotPrincipal`` element.

    Attributes:
        type: the element key it was listed under.
        value: the value as written in the policy.
        kind: what it denotes.
        account: the 12-digit account it belongs to, when it has one.
        partition: the partition of its ARN, when it has one.
        arn: the canonical ARN (a bare account id becomes ``arn:aws:iam::ID:root``).
    """

    type: PrincipalType
    value: str
    kind: PrincipalKind
    account: str | None = None
    partition: str | None = None
    arn: str | None = None

    @property
    def oidc_host(self) -> str | None:
        """The issuer host/path of an OIDC provider or public IdP (the prefix of its condition keys)."""
        if self.kind is PrincipalKind.OIDC_PROVIDER and self.arn:
            return self.arn.split(":oidc-provider/", 1)[1].lower()
        if self.kind is PrincipalKind.PUBLIC_IDP:
            return self.value.lower()
        return None

    def __str__(self) -> str:
        return self.value if self.type is PrincipalType.ANY else f"{self.type.value}:{self.value}"


@quick_init
@dataclass(frozen=True, slots=True)
class Condition:
    """One ``operator -> key -> values`` entry of a ``Condition`` block.

    Attributes:
        operator: the base operator, canonical spelling (``StringLike``, ``Bool``...).
        qualifier: ``ForAnyValue``/``ForAllValues`` or none.
        if_exists: whether the operator carried the ``IfExists`` suffix.
        key: the condition key, lower-cased (keys are case-insensitive).
        key_as_written: the key as the policy spells it, for messages.
        values: the values, as strings (``true`` and ``"true"`` alike).
    """

    operator: str
    qualifier: Qualifier
    if_exists: bool
    key: str
    key_as_written: str
    values: tuple[str, ...]
    variables: bool = False  # values may hold ${...} policy variables (Version 2012-10-17 only)

    @property
    def family(self) -> Family:
        return OPERATORS[self.operator][0]

    @property
    def negated(self) -> bool:
        return OPERATORS[self.operator][1]

    @property
    def operator_as_written(self) -> str:
        prefix = f"{self.qualifier.value}:" if self.qualifier is not Qualifier.NONE else ""
        return f"{prefix}{self.operator}{'IfExists' if self.if_exists else ''}"

    def __str__(self) -> str:
        shown = self.values[0] if len(self.values) == 1 else list(self.values)
        return f"{self.operator_as_written} {self.key_as_written} {shown}"


@quick_init
@dataclass(frozen=True, slots=True)
class Statement:
    """One statement, normalised.

    ``principals`` is ``None`` when the statement uses ``NotPrincipal`` (then ``not_principals`` is
    set); ``actions`` is ``None`` when it uses ``NotAction``. Actions are lower-cased.
    """

    index: int
    sid: str | None
    effect: Effect
    principals: frozenset[Principal] | None
    not_principals: frozenset[Principal] | None
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    conditions: tuple[Condition, ...] = ()
    raw: dict[str, object] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def label(self) -> str:
        return f"Statement[{self.index}]" + (f" ({self.sid})" if self.sid else "")


@quick_init
@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A parsed trust policy: its statements, and the JSON it came from."""

    version: str | None
    statements: tuple[Statement, ...]
    raw: dict[str, object] = field(default_factory=dict, compare=False, hash=False, repr=False)
