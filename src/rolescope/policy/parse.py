"""Parse any trust policy IAM accepts, once, into :mod:`rolescope.policy.model` objects."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

import orjson

from rolescope.caches import memoized
from rolescope.policy.arn import ACCOUNT_ID, PARTITIONS, UNIQUE_ID, parse_arn
from rolescope.policy.errors import PolicyError
from rolescope.policy.model import (
    Condition,
    Effect,
    PolicyDocument,
    Principal,
    PrincipalKind,
    PrincipalType,
    Statement,
)
from rolescope.policy.operators import OperatorName, split_operator

VERSIONS = frozenset({"2012-10-17", "2008-10-17"})
TOP_LEVEL_KEYS = frozenset({"Version", "Id", "Statement"})
STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Condition"}
)
# Identity providers that need no IAM provider resource: anyone with an account there has a token.
PUBLIC_IDPS = frozenset(
    {"accounts.google.com", "graph.facebook.com", "www.amazon.com", "cognito-identity.amazonaws.com"}
)
ACTION = re.compile(r"^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$")
SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$|^[a-z0-9-]+\.amazon\.com$")
CANONICAL_USER = re.compile(r"^[0-9a-f]{64}$")
CONDITION_KEY = re.compile(r"^[^:\s]+:\S+$")
_EFFECTS = {"Allow": Effect.ALLOW, "Deny": Effect.DENY}
_PRINCIPAL_TYPES = {kind.value: kind for kind in PrincipalType}
_ANY_TYPE = PrincipalType.ANY  # read per principal element: an enum member read through its class is slow
_PRINCIPAL_KINDS = {
    ("iam", "root"): PrincipalKind.ACCOUNT,
    ("iam", "role"): PrincipalKind.ROLE,
    ("iam", "user"): PrincipalKind.USER,
    ("sts", "assumed-role"): PrincipalKind.ASSUMED_ROLE,
    ("sts", "federated-user"): PrincipalKind.FEDERATED_USER,
}


def parse_policy(document: str | bytes | Mapping[str, Any]) -> PolicyDocument:
    """Parse a trust policy from JSON text, URL-encoded JSON (as IAM returns it) or a decoded dict.

    Args:
        document: the policy in any of the shapes above.

    Returns:
        The normalised, immutable policy.

    Raises:
        PolicyError: the document is not a trust policy IAM would accept; the message names the
            statement and element.
    """
    raw, version, items = read_top_level(document)
    variables = version == "2012-10-17"
    statements = tuple([_statement(index, item, variables) for index, item in enumerate(items)])
    return PolicyDocument(version, statements, raw)


def read_top_level(document: str | bytes | Mapping[str, Any]) -> tuple[dict[str, Any], str | None, list[Any]]:
    """Decode a policy of any kind and check its top level: the object, its Version, its statements."""
    raw = _decode(document)
    if not isinstance(raw, dict):
        raise PolicyError("the policy must be a JSON object")
    if not TOP_LEVEL_KEYS.issuperset(raw):
        unknown = set(raw) - TOP_LEVEL_KEYS
        raise PolicyError(f"unknown top-level element {sorted(unknown, key=str)[0]!r}")
    version = raw.get("Version")
    if version is not None and (not isinstance(version, str) or version not in VERSIONS):
        raise PolicyError(f"Version must be 2012-10-17 or 2008-10-17, not {version!r}", element="Version")
    if "Statement" not in raw:
        raise PolicyError("the policy has no Statement", element="Statement")
    body = raw["Statement"]
    items = [body] if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        raise PolicyError("Statement must be an object or a non-empty list of objects", element="Statement")
    return raw, version, items


Failure = Callable[[str, str], PolicyError]


def read_sid(index: int, item: Any) -> tuple[str | None, Failure]:
    """A statement's Sid, and how to report an error in one of its elements."""
    if not isinstance(item, dict):
        raise PolicyError("a statement must be a JSON object", statement=index)
    sid = item.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError("Sid must be a string", statement=index, element="Sid")

    def fail(message: str, element: str) -> PolicyError:
        return PolicyError(message, statement=index, sid=sid, element=element)

    return sid, fail


def _decode(document: str | bytes | Mapping[str, Any]) -> Any:
    if type(document) is dict or isinstance(document, Mapping):  # the first test spares an ABC check
        return dict(document)
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PolicyError(f"the policy is not UTF-8 text: {error.reason}") from None
    if not isinstance(document, str):
        raise PolicyError(f"a policy must be JSON text or an object, not {type(document).__name__}")
    text = document.strip()
    if text[:1] == "%" or text[:3].lower() == "%7b":
        text = unquote(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise PolicyError(f"the policy is not valid JSON: {error}") from None


def _statement(index: int, item: Any, variables: bool) -> Statement:
    sid, fail = read_sid(index, item)
    if not STATEMENT_KEYS.issuperset(item):
        unknown = set(item) - STATEMENT_KEYS
        name = str(sorted(unknown, key=str)[0])
        why = "a trust policy applies to the role itself and has no Resource" if "Resource" in name else ""
        raise fail(f"unknown or prohibited element{': ' + why if why else ''}", name)
    effect_text = item.get("Effect")
    if effect_text not in ("Allow", "Deny"):
        raise fail(f"Effect must be \"Allow\" or \"Deny\", not {effect_text!r}", "Effect")
    effect = _EFFECTS[effect_text]

    if ("Principal" in item) == ("NotPrincipal" in item):
        raise fail("a trust policy statement needs exactly one of Principal and NotPrincipal", "Principal")
    principals = not_principals = None
    if "Principal" in item:
        principals = _principals(item["Principal"], lambda m: fail(m, "Principal"))
    else:
        if effect is Effect.ALLOW:
            raise fail("NotPrincipal can only be used with \"Effect\": \"Deny\"", "NotPrincipal")
        not_principals = _principals(item["NotPrincipal"], lambda m: fail(m, "NotPrincipal"))

    if ("Action" in item) == ("NotAction" in item):
        raise fail("a statement needs exactly one of Action and NotAction", "Action")
    actions = not_actions = None
    if "Action" in item:
        actions = _actions(item["Action"], lambda m: fail(m, "Action"))
    else:
        not_actions = _actions(item["NotAction"], lambda m: fail(m, "NotAction"))

    block = item.get("Condition")
    conditions = () if block is None else _conditions(block, variables, lambda m: fail(m, "Condition"))
    return Statement(index, sid, effect, principals, not_principals, actions, not_actions, conditions, item)


def _string_list(value: Any, what: str, fail: Any) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values:
        raise fail(f"{what} must be a string or a non-empty list of strings")
    for entry in values:
        if not isinstance(entry, str):
            raise fail(f"{what} must contain only strings, found {entry!r}")
    return values


def _principals(value: Any, fail: Any) -> frozenset[Principal]:
    if value == "*":
        return frozenset({Principal(PrincipalType.ANY, "*", PrincipalKind.ANYONE)})
    if not isinstance(value, dict) or not value:
        raise fail("must be \"*\" or an object with AWS, Service, Federated or CanonicalUser")
    if len(value) == 1:
        [(key, entries)] = value.items()
        if type(key) is str and type(entries) is str:
            lone = _lone_principal(key, entries)
            if isinstance(lone, str):
                raise fail(lone)
            return lone
    found: set[Principal] = set()
    for key, entries in value.items():
        kind = _principal_type(key)
        if not isinstance(kind, PrincipalType):  # a StrEnum: a reason is a plain str
            raise fail(kind)
        for entry in ([entries] if type(entries) is str else _string_list(entries, f"{key} principal", fail)):
            read = _read_principal(kind, entry.strip())
            if isinstance(read, str):
                raise fail(read)
            found.add(read)
    return frozenset(found)


def _principal_type(key: Any) -> PrincipalType | str:
    """The type a ``Principal`` element's key names, or the reason it is refused."""
    kind = _PRINCIPAL_TYPES.get(key)
    if kind is None:
        return f"unknown principal type {key!r} (AWS, Service, Federated, CanonicalUser)"
    if kind is _ANY_TYPE:
        return "unknown principal type '*'"
    return kind


@memoized(16384)
def _lone_principal(key: str, entry: str) -> frozenset[Principal] | str:
    """The principals of an element with one key and one value (most are such, and they recur in many
    policies), or the reason it is refused: what the general loop of :func:`_principals` finds."""
    kind = _principal_type(key)
    if not isinstance(kind, PrincipalType):
        return kind
    read = _read_principal(kind, entry.strip())
    return read if isinstance(read, str) else frozenset((read,))


class _Rejected(Exception):
    """A principal value :func:`read_principal` refuses; its message is the reason."""


@memoized(16384)
def _read_principal(kind: PrincipalType, value: str) -> Principal | str:
    """:func:`read_principal`, or the reason it refuses ``value``: the same values recur in many policies."""
    try:
        return read_principal(kind, value, _Rejected)
    except _Rejected as rejected:
        return str(rejected)


def read_principal(kind: PrincipalType, value: str, fail: Any) -> Principal:
    """Read one principal value listed under ``kind``; ``fail(message)`` builds the error to raise."""
    if kind is PrincipalType.AWS:
        return _aws_principal(value, fail)
    if kind is PrincipalType.SERVICE:
        if not SERVICE_PRINCIPAL.match(value):
            raise fail(f"invalid service principal {value!r}")
        return Principal(kind, value, PrincipalKind.SERVICE)
    if kind is PrincipalType.FEDERATED:
        return _federated_principal(value, fail)
    if not CANONICAL_USER.match(value):
        raise fail(f"invalid CanonicalUser {value!r}: expected 64 hexadecimal characters")
    return Principal(kind, value, PrincipalKind.CANONICAL_USER)


def _aws_principal(value: str, fail: Any) -> Principal:
    aws = PrincipalType.AWS
    if value == "*":
        return Principal(aws, value, PrincipalKind.ANYONE)
    if ACCOUNT_ID.match(value):
        return Principal(aws, value, PrincipalKind.ACCOUNT, value, "aws", f"arn:aws:iam::{value}:root")
    if UNIQUE_ID.match(value):
        return Principal(aws, value, PrincipalKind.UNIQUE_ID)
    arn = parse_arn(value)
    if arn is None:
        raise fail(f"invalid AWS principal {value!r}: expected \"*\", an account id, an ARN or a unique id")
    if arn.partition not in PARTITIONS:
        raise fail(f"invalid AWS principal {value!r}: unknown partition {arn.partition!r}")
    if not ACCOUNT_ID.match(arn.account):
        raise fail(f"invalid AWS principal {value!r}: the account must be 12 digits")
    if "*" in value or "?" in value:
        raise fail(f"invalid AWS principal {value!r}: wildcards are only allowed as a bare \"*\"")
    if arn.region:
        raise fail(f"invalid AWS principal {value!r}: IAM and STS ARNs have no region")
    principal_kind = _PRINCIPAL_KINDS.get((arn.service, arn.resource_type))
    if principal_kind is None or (principal_kind is PrincipalKind.ACCOUNT and arn.resource != "root"):
        raise fail(f"invalid AWS principal {value!r}: not an account, role, user or session ARN")
    if principal_kind is not PrincipalKind.ACCOUNT and "/" not in arn.resource:
        raise fail(f"invalid AWS principal {value!r}: the ARN names no {arn.resource_type}")
    if principal_kind is PrincipalKind.ASSUMED_ROLE and arn.resource.count("/") < 2:
        raise fail(f"invalid AWS principal {value!r}: expected assumed-role/ROLE/SESSION")
    return Principal(aws, value, principal_kind, arn.account, arn.partition, str(arn))


def _federated_principal(value: str, fail: Any) -> Principal:
    federated = PrincipalType.FEDERATED
    if value.lower() in PUBLIC_IDPS:
        return Principal(federated, value, PrincipalKind.PUBLIC_IDP)
    arn = parse_arn(value)
    if arn is None or arn.service != "iam" or arn.partition not in PARTITIONS:
        raise fail(f"invalid Federated principal {value!r}: expected a SAML or OIDC provider ARN")
    if not ACCOUNT_ID.match(arn.account) or "*" in value:
        raise fail(f"invalid Federated principal {value!r}: the account must be 12 digits, no wildcards")
    if arn.resource.startswith("saml-provider/") and len(arn.resource) > len("saml-provider/"):
        kind = PrincipalKind.SAML_PROVIDER
    elif arn.resource.startswith("oidc-provider/") and len(arn.resource) > len("oidc-provider/"):
        kind = PrincipalKind.OIDC_PROVIDER
    else:
        raise fail(f"invalid Federated principal {value!r}: not a saml-provider or oidc-provider ARN")
    return Principal(federated, value, kind, arn.account, arn.partition, str(arn))


def _actions(value: Any, fail: Any) -> tuple[str, ...]:
    if type(value) is str:
        one = _action(value)
        if one is None:
            raise fail(f"invalid action {value!r}: expected service:Action or \"*\"")
        return one
    actions = _string_list(value, "Action", fail)
    for action in actions:
        if not ACTION.match(action):
            raise fail(f"invalid action {action!r}: expected service:Action or \"*\"")
    return tuple(dict.fromkeys(action.lower() for action in actions))


@memoized(1024)
def _action(action: str) -> tuple[str] | None:
    """A lone action, lower-cased, or ``None`` when it is invalid."""
    return (action.lower(),) if ACTION.match(action) else None


def _condition_value(value: Any, fail: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise fail(f"condition values must be strings, numbers or booleans, found {value!r}")


def _conditions(block: Any, variables: bool, fail: Any) -> tuple[Condition, ...]:
    if block is None:
        return ()
    if not isinstance(block, dict):
        raise fail("Condition must be an object of operator -> {key: values}")
    conditions: list[Condition] = []
    for operator_text, entries in block.items():
        operator = _split_operator(operator_text) if isinstance(operator_text, str) else None
        if operator is None:
            raise fail(f"unknown condition operator {operator_text!r}")
        if not isinstance(entries, dict) or not entries:
            raise fail(f"{operator_text} must map condition keys to values")
        for key, raw_values in entries.items():
            lowered = _condition_key(key) if isinstance(key, str) else None
            if lowered is None:
                raise fail(f"{operator_text}: invalid condition key {key!r}")
            values: tuple[str, ...]
            if type(raw_values) is str:
                values = (raw_values,)
            else:
                listed = raw_values if isinstance(raw_values, list) else [raw_values]
                if not listed:
                    raise fail(f"{operator_text} {key}: the list of values is empty")
                values = tuple([_condition_value(v, fail) for v in listed])
            base = operator.base
            if base == "Null" or base == "Bool":
                if any(v.lower() not in ("true", "false") for v in values):
                    raise fail(f"{operator_text} {key}: values must be true or false")
                values_read = tuple([v.lower() for v in values])
            else:
                values_read = values
            if variables:  # one value in the common case: no generator to set up
                variables_read = "${" in values[0] if len(values) == 1 else any(["${" in v for v in values])
            else:
                variables_read = False
            conditions.append(Condition(base, operator.qualifier, operator.if_exists, lowered, key, values_read,
                                        variables_read))
    return tuple(conditions)


@memoized(4096)
def _condition_key(key: str) -> str | None:
    """A valid condition key, lower-cased, or ``None``: the same keys recur in many policies."""
    return key.lower() if CONDITION_KEY.match(key) else None


@memoized(512)
def _split_operator(text: str) -> OperatorName | None:
    return split_operator(text)
