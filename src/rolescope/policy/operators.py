"""The condition operators IAM knows, and how their names decompose."""

from __future__ import annotations

from dataclasses import dataclass

from rolescope.policy.qualifier import Qualifier

# Base operator -> (family, negated). Names are the canonical spellings.
OPERATORS: dict[str, tuple[str, bool]] = {
    "StringEquals": ("string", False),
    "StringNotEquals": ("string", True),
    "StringEqualsIgnoreCase": ("string-ci", False),
    "StringNotEqualsIgnoreCase": ("string-ci", True),
    "StringLike": ("glob", False),
    "StringNotLike": ("glob", True),
    "NumericEquals": ("numeric-eq", False),
    "NumericNotEquals": ("numeric-eq", True),
    "NumericLessThan": ("numeric-lt", False),
    "NumericLessThanEquals": ("numeric-le", False),
    "NumericGreaterThan": ("numeric-gt", False),
    "NumericGreaterThanEquals": ("numeric-ge", False),
    "DateEquals": ("date-eq", False),
    "DateNotEquals": ("date-eq", True),
    "DateLessThan": ("date-lt", False),
    "DateLessThanEquals": ("date-le", False),
    "DateGreaterThan": ("date-gt", False),
    "DateGreaterThanEquals": ("date-ge", False),
    "Bool": ("bool", False),
    "BinaryEquals": ("binary", False),
    "IpAddress": ("ip", False),
    "NotIpAddress": ("ip", True),
    "ArnEquals": ("arn", False),
    "ArnLike": ("arn", False),
    "ArnNotEquals": ("arn", True),
    "ArnNotLike": ("arn", True),
    "Null": ("null", False),
}
_BY_LOWER = {name.lower(): name for name in OPERATORS}


@dataclass(frozen=True, slots=True)
class OperatorName:
    base: str
    qualifier: Qualifier
    if_exists: bool

    @property
    def family(self) -> str:
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
