"""Whether one condition holds for one request context, with IAM's rules for missing keys."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rolescope.policy.glob import arn_match, glob_match
from rolescope.policy.model import Condition
from rolescope.policy.operators import Family
from rolescope.policy.qualifier import Qualifier
from rolescope.policy.values import as_address, as_epoch, as_network, as_number, substitute

Context = Mapping[str, tuple[str, ...]]


def _numeric(compare: Callable[[float, float], bool], parse: Callable[[str], float | None]
             ) -> Callable[[str, str], bool]:
    def match(policy_value: str, request_value: str) -> bool:
        left, right = parse(request_value), parse(policy_value)
        return left is not None and right is not None and compare(left, right)

    return match


def _ip(policy_value: str, request_value: str) -> bool:
    network, address = as_network(policy_value), as_address(request_value)
    return network is not None and address is not None and address in network


MATCHERS: dict[Family, Callable[[str, str], bool]] = {
    Family.STRING: lambda p, r: p == r,
    Family.STRING_CI: lambda p, r: p.casefold() == r.casefold(),
    Family.GLOB: glob_match,
    Family.NUMERIC_EQ: _numeric(lambda a, b: a == b, as_number),
    Family.NUMERIC_LT: _numeric(lambda a, b: a < b, as_number),
    Family.NUMERIC_LE: _numeric(lambda a, b: a <= b, as_number),
    Family.NUMERIC_GT: _numeric(lambda a, b: a > b, as_number),
    Family.NUMERIC_GE: _numeric(lambda a, b: a >= b, as_number),
    Family.DATE_EQ: _numeric(lambda a, b: a == b, as_epoch),
    Family.DATE_LT: _numeric(lambda a, b: a < b, as_epoch),
    Family.DATE_LE: _numeric(lambda a, b: a <= b, as_epoch),
    Family.DATE_GT: _numeric(lambda a, b: a > b, as_epoch),
    Family.DATE_GE: _numeric(lambda a, b: a >= b, as_epoch),
    Family.BOOL: lambda p, r: p == r.lower(),
    Family.BINARY: lambda p, r: p == r,
    Family.IP: _ip,
    Family.ARN: arn_match,
}


def value_matches(condition: Condition, request_value: str, context: Context | None = None) -> bool:
    """Whether one request value matches any of the condition's values, before negation."""
    match = MATCHERS[condition.family]
    for policy_value in condition.values:
        if condition.variables and "${" in policy_value:
            resolved = substitute(policy_value, dict(context) if context is not None else None,
                                  pattern=condition.family.wildcards)
            if resolved is None:
                continue
            policy_value = resolved
        if match(policy_value, request_value):
            return True
    return False


def condition_holds(condition: Condition, context: Context) -> bool:
    """Whether ``condition`` is true for a request with ``context`` (keys lower-cased).

    Args:
        condition: one operator/key/values entry.
        context: the request's condition keys, each with its values (one for single-valued keys).

    Returns:
        IAM's verdict, including its rules for a key the request lacks: ``Null`` tests presence,
        ``...IfExists`` and ``ForAllValues`` hold, negated operators hold, everything else fails.
    """
    present = context.get(condition.key) or ()
    if condition.operator == "Null":
        return any((value == "true") != bool(present) for value in condition.values)
    if not present:
        if condition.if_exists or condition.qualifier is Qualifier.FOR_ALL_VALUES:
            return True
        if condition.qualifier is Qualifier.FOR_ANY_VALUE:
            return False
        return condition.negated
    matches = [value_matches(condition, value, context) for value in present]
    if condition.qualifier is Qualifier.FOR_ALL_VALUES:
        return all(not m for m in matches) if condition.negated else all(matches)
    if condition.qualifier is Qualifier.FOR_ANY_VALUE:
        return any(not m for m in matches) if condition.negated else any(matches)
    return not any(matches) if condition.negated else any(matches)
