"""An ExternalId condition that a third party could guess: a wildcard, too short, or an account id."""

from __future__ import annotations

from collections.abc import Iterator

from rolescope.checks.context import RoleContext, catalogue_parameter
from rolescope.checks.finding import Finding, SeverityOverride
from rolescope.policy.arn import ACCOUNT_ID
from rolescope.policy.model import Effect
from rolescope.trust.analysis import TrustAnalysis
from rolescope.trust.external_ids import fixed_characters, is_pattern, pins_customer

CHECK_ID = "weak-external-id"
POSITIVE = frozenset({"StringEquals", "StringLike", "StringEqualsIgnoreCase"})
# A pattern that fixes enough to name one customer counts as an ExternalId requirement: what is left
# to say is that it is weaker than one exact value.
_ALLOW = Effect.ALLOW  # an enum member read through its class costs a descriptor call each time
ACCEPTED_PATTERN = SeverityOverride("low", "lowered: the pattern fixes enough of what the vendor derives from "
                                           "your account to count as an ExternalId requirement")


def default_minimum() -> int:
    """The catalogue's shortest acceptable ExternalId: what ``rolescope fix`` and ``template`` require too."""
    return catalogue_parameter(CHECK_ID, "min_external_id_length")()


def weakness(value: str, minimum: int, wildcard: bool, pattern_minimum: int | None = None) -> str | None:
    """Why an ExternalId value is weak, or ``None`` when it is not.

    Args:
        value: the value in the policy.
        minimum: the shortest acceptable length.
        wildcard: whether the operator reads ``*``/``?`` as wildcards (``StringLike``).
        pattern_minimum: the letters and digits a pattern must fix to count as a requirement.
    """
    if wildcard and is_pattern(value):
        fixed = fixed_characters(value)
        if pins_customer(value, pattern_minimum):
            return (f"it is a pattern: it fixes {fixed} letters and digits, enough to count as an ExternalId "
                    "requirement, but it accepts every value that matches, not one agreed value")
        if fixed == 0 or pattern_minimum is None:
            return "it is a wildcard pattern that matches values nobody agreed on"
        return (f"it is a wildcard pattern that fixes only {fixed} letters and digits (fewer than "
                f"{pattern_minimum}), so it matches values nobody agreed on")
    if ACCOUNT_ID.match(value):
        return "it is an AWS account id, which is not secret"
    if len(value) < minimum:
        return f"it has fewer than {minimum} characters"
    return None


def applies(analysis: TrustAnalysis) -> bool:
    """Whether :func:`run` can report anything for a role with ``analysis`` (``False``: it returns at once)."""
    for statement in analysis.policy.statements:  # loops, not any(): asked once per analysis of every role
        if statement.effect is _ALLOW:
            for condition in statement.conditions:
                if condition.key == "sts:externalid" and condition.operator in POSITIVE:
                    return True
    return False


def run(context: RoleContext) -> Iterator[Finding]:
    minimum = context.settings.min_external_id_length
    pattern_minimum = context.settings.min_external_id_pattern_literals
    for statement in context.analysis.policy.statements:
        if statement.effect is not Effect.ALLOW:
            continue
        for condition in statement.conditions:
            if condition.key != "sts:externalid" or condition.operator not in POSITIVE:
                continue
            for value in condition.values:
                wildcard = condition.operator == "StringLike"
                why = weakness(value, minimum, wildcard, pattern_minimum)
                if why is None:
                    continue
                accepted = wildcard and is_pattern(value) and pins_customer(value, pattern_minimum)
                yield context.finding(
                    CHECK_ID,
                    f"{context.role_label} requires the ExternalId {value!r} in {statement.label}, but {why}.",
                    statement.index,
                    ACCEPTED_PATTERN if accepted else None,
                    external_id=value,
                    operator=condition.operator_as_written,
                )
