"""The condition operators IAM knows, and how their names decompose."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rolescope.policy.qualifier import Qualifier


class Family(StrEnum):
    """How an operator compares values: one member for each comparison IAM makes.

    The ordering operators have one family each (``numeric-lt`` …): a negated operator (``…NotEquals``)
    shares its positive's family and is told apart by ``negated``.
    """

    STRING = "string"
    STRING_CI = "string-ci"
    GLOB = "glob"
    NUMERIC_EQ = "numeric-eq"
    NUMERIC_LT = "numeric-lt"
    NUMERIC_LE = "numeric-le"
    NUMERIC_GT = "numeric-gt"
    NUMERIC_GE = "numeric-ge"
    DATE_EQ = "date-eq"
    DATE_LT = "date-lt"
    DATE_LE = "date-le"
    DATE_GT = "date-gt"
    DATE_GE = "date-ge"
    BOOL = "bool"
    BINARY = "binary"
    IP = "ip"
    ARN = "arn"
    NULL = "null"

    @property
    def wildcards(self) -> bool:
        """Values may hold ``*`` and ``?`` (StringLike and the Arn operators)."""
        return self in WILDCARD_FAMILIES

    @property
    def compares_text(self) -> bool:
        """Values are strings compared as text (with or without wildcards or case)."""
        return self in STRING_FAMILIES

    @property
    def numeric(self) -> bool:
        return self in NUMERIC_FAMILIES

    @property
    def date(self) -> bool:
        return self in DATE_FAMILIES


WILDCARD_FAMILIES = frozenset({Family.GLOB, Family.ARN})
# Text comparisons a policy variable or a witness string can take part in.
TEMPLATE_FAMILIES = frozenset({Family.STRING, Family.STRING_CI, Family.GLOB, Family.ARN})
STRING_FAMILIES = TEMPLATE_FAMILIES | {Family.BINARY}
NUMERIC_FAMILIES = frozenset({Family.NUMERIC_EQ, Family.NUMERIC_LT, Family.NUMERIC_LE, Family.NUMERIC_GT,
                              Family.NUMERIC_GE})
DATE_FAMILIES = frozenset({Family.DATE_EQ, Family.DATE_LT, Family.DATE_LE, Family.DATE_GT, Family.DATE_GE})


# Base operator -> (family, negated). Names are the canonical spellings.
OPERATORS: dict[str, tuple[Family, bool]] = {
    "StringEquals": (Family.STRING, False),
    "StringNotEquals": (Family.STRING, True),
    "StringEqualsIgnoreCase": (Family.STRING_CI, False),
    "StringNotEqualsIgnoreCase": (Family.STRING_CI, True),
    "StringLike": (Family.GLOB, False),
    "StringNotLike": (Family.GLOB, True),
    "NumericEquals": (Family.NUMERIC_EQ, False),
    "NumericNotEquals": (Family.NUMERIC_EQ, True),
    "NumericLessThan": (Family.NUMERIC_LT, False),
    "NumericLessThanEquals": (Family.NUMERIC_LE, False),
    "NumericGreaterThan": (Family.NUMERIC_GT, False),
    "NumericGreaterThanEquals": (Family.NUMERIC_GE, False),
    "DateEquals": (Family.DATE_EQ, False),
    "DateNotEquals": (Family.DATE_EQ, True),
    "DateLessThan": (Family.DATE_LT, False),
    "DateLessThanEquals": (Family.DATE_LE, False),
    "DateGreaterThan": (Family.DATE_GT, False),
    "DateGreaterThanEquals": (Family.DATE_GE, False),
    "Bool": (Family.BOOL, False),
    "BinaryEquals": (Family.BINARY, False),
    "IpAddress": (Family.IP, False),
    "NotIpAddress": (Family.IP, True),
    "ArnEquals": (Family.ARN, False),
    "ArnLike": (Family.ARN, False),
    "ArnNotEquals": (Family.ARN, True),
    "ArnNotLike": (Family.ARN, True),
    "Null": (Family.NULL, False),
}
_BY_LOWER = {name.lower(): name for name in OPERATORS}


@dataclass(frozen=True, slots=True)
class OperatorName:
    base: str
    qualifier: Qualifier
    if_exists: bool

    @property
    def family(self) -> Family:
        return OPERATORS[self.base][0]

    @property
    def negated(self) -> bool:
        return OPERATORS[self.base][1]


def split_operator(text: str) -> OperatorName | None:
    """Read ``ForAnyValue:StringLikeIfExists`` into its parts; ``None`` if IAM knows no such operator.

    Args:
        text: the operator as written in the policy.

    Returns:
        The qualifier, canonical base operator and IfExists flag, or ``None``.
    """
    qualifier = Qualifier.NONE
    rest = text
    if ":" in text:
        prefix, rest = text.split(":", 1)
        lowered = prefix.lower()
        if lowered == "foranyvalue":
            qualifier = Qualifier.FOR_ANY_VALUE
        elif lowered == "forallvalues":
            qualifier = Qualifier.FOR_ALL_VALUES
        else:
            return None
    if_exists = False
    if rest.lower().endswith("ifexists"):
        if_exists = True
        rest = rest[: -len("ifexists")]
    base = _BY_LOWER.get(rest.lower())
    if base is None or (base == "Null" and (if_exists or qualifier is not Qualifier.NONE)):
        return None
    return OperatorName(base, qualifier, if_exists)
